"""Upload temporary files live in one folder (``FILE_UPLOAD_TEMP_DIR``) that
``sweep_upload_temp`` sweeps (SPEC §16; issue 17: a worker killed mid-upload left 100-200 MB
``/tmp/tmp*.upload.bin`` files behind)."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import CommandError, call_command

from backoffice.settings import base


def test_uploads_spool_to_the_project_s_folder_not_tmp():
    expected = str(base.BASE_DIR / "upload-tmp")
    assert expected == base.FILE_UPLOAD_TEMP_DIR
    assert Path(settings.FILE_UPLOAD_TEMP_DIR).is_dir()  # created at start-up
    upload = TemporaryUploadedFile("video.mp4", "video/mp4", 10, None)
    try:
        path = Path(upload.temporary_file_path())
        assert path.parent == Path(settings.FILE_UPLOAD_TEMP_DIR)
    finally:
        upload.close()


@pytest.fixture
def folder(tmp_path, settings) -> Path:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    path = Path(settings.FILE_UPLOAD_TEMP_DIR)
    path.mkdir()
    return path


def left_behind(folder: Path, name: str, minutes_ago: float, size: int = 1000) -> Path:
    path = folder / name
    path.write_bytes(b"\0" * size)
    stamp = time.time() - minutes_ago * 60
    os.utime(path, (stamp, stamp))
    return path


def test_the_sweep_deletes_only_files_idle_for_longer_than_the_cutoff(folder):
    old = left_behind(folder, "tmpa1b2.upload.bin", minutes_ago=61, size=2048)
    older = left_behind(folder, "tmpc3d4.upload.mp4", minutes_ago=600)
    busy = left_behind(folder, "tmpe5f6.upload.bin", minutes_ago=1)
    out = StringIO()

    call_command("sweep_upload_temp", stdout=out)

    assert not old.exists()
    assert not older.exists()
    assert busy.exists()  # a request may still be writing it
    assert "Deleted 2 upload temporary files, 3048 bytes" in out.getvalue()


def test_the_cutoff_is_an_option(folder):
    recent = left_behind(folder, "tmp.upload.bin", minutes_ago=10)
    call_command("sweep_upload_temp", "--older-than", "5", stdout=StringIO())
    assert not recent.exists()
    with pytest.raises(CommandError):
        call_command("sweep_upload_temp", "--older-than", "0")


def test_folders_and_links_are_left_alone(folder, tmp_path):
    (folder / "sub").mkdir()
    target = left_behind(tmp_path, "elsewhere.bin", minutes_ago=600)
    link = folder / "link.bin"
    link.symlink_to(target)
    os.utime(link, (0, 0), follow_symlinks=False)

    call_command("sweep_upload_temp", stdout=StringIO())

    assert (folder / "sub").is_dir()
    assert link.is_symlink()
    assert target.exists()
