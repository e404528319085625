"""Upload temporary files live in one folder (``FILE_UPLOAD_TEMP_DIR``) that
``sweep_upload_temp`` sweeps (SPEC §16; issue 17: a worker killed mid-upload left 100-200 MB
``/tmp/tmp*.upload.bin`` files behind)."""

import contextlib
import os
import signal
import socket
import tempfile
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import CommandError, call_command

from backoffice.roles import Role
from backoffice.settings import base
from tests.backoffice.factories import OrganizationFactory, member, token_for
from tests.projects.factories import make_project
from tests.reliability.test_database_outage import TOKEN_HASH_KEY, Server
from tests.reliability.test_interrupted_upload import (
    BOUNDARY,
    cut_inside,
    files_under,
    upload_body,
    wait_for,
)


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


def test_a_worker_killed_mid_upload_leaves_its_file_where_the_sweep_finds_it(
    transactional_db, settings, tmp_path, monkeypatch
):
    """Issue 17 as it happened: gunicorn as in production, a template upload streaming to a
    temporary file, the worker killed (as the OOM killer or a timeout does). The file stays,
    in the upload folder and not in /tmp, and the sweep deletes it once it is idle."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    monkeypatch.setenv("FILE_UPLOAD_TEMP_DIR", str(folder))
    settings.TOKEN_HASH_KEY = TOKEN_HASH_KEY  # the server's key, so its digest matches
    organization = OrganizationFactory()
    token = token_for(member(organization, Role.DEVELOPER))
    project = make_project(organization)
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    in_tmp_before = set(Path(tempfile.gettempdir()).glob("tmp*.upload*"))
    app = Server(url, tmp_path, workers=1)
    try:
        app.wait_up()
        body = upload_body(large="posterFile")
        head = (
            f"POST /api/Projects/{project.pk}/templates/upload HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{app.port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", app.port), timeout=30) as client:
            client.sendall(head + body[: cut_inside(body, "posterFile")])
            # the worker streams the body to disk, the padded poster last
            wait_for(lambda: any(f.stat().st_size > 1_000_000 for f in files_under(folder)))
            children = Path(f"/proc/{app.process.pid}/task/{app.process.pid}/children")
            (worker,) = children.read_text().split()
            os.kill(int(worker), signal.SIGKILL)
            with contextlib.suppress(ConnectionResetError):  # died with the worker
                assert client.recv(1) == b""
        app.wait_up()  # the master started a new worker
    finally:
        app.stop()

    left = files_under(folder)  # one per file part received (the last one cut short)
    assert max(path.stat().st_size for path in left) > 1_000_000
    assert set(Path(tempfile.gettempdir()).glob("tmp*.upload*")) == in_tmp_before
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    stamp = time.time() - 2 * 3600
    for path in left:
        os.utime(path, (stamp, stamp))
    call_command("sweep_upload_temp", stdout=StringIO())
    assert not files_under(folder)
