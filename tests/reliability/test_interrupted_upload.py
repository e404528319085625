"""A template upload whose client goes away mid-body (SPEC §5, §14): no ``Template`` or
``TemplateFile`` row, no stored file and no temporary upload file stays behind."""

import socket
import threading
import time
from pathlib import Path

import pytest
from django.core.signals import request_finished

from backoffice.roles import Role
from templates.models import Template, TemplateFile
from tests.backoffice.factories import OrganizationFactory, member, token_for
from tests.projects.factories import make_project
from tests.templates.helpers import FIXTURES

BOUNDARY = "percus-reliability-boundary"
LARGE_FILE_BYTES = 4 * 1024 * 1024


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart/form-data body of ``(field, filename or None, content)`` parts."""
    body = b""
    for field, filename, content in parts:
        disposition = f'form-data; name="{field}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def upload_body(large: str) -> bytes:
    """A valid upload whose ``large`` file is padded past FILE_UPLOAD_MAX_MEMORY_SIZE, so the
    server streams the body to temporary files as it arrives (JSON takes trailing spaces)."""
    files = {
        "templateJson": ("lottie.json", (FIXTURES / "lottie.json").read_bytes()),
        "manifestJson": ("manifest.json", (FIXTURES / "manifest.json").read_bytes()),
        "posterFile": ("poster.png", (FIXTURES / "poster.png").read_bytes()),
    }
    name, content = files[large]
    files[large] = (name, content.ljust(LARGE_FILE_BYTES))
    fields = [("name", None, b"Welcome video"), ("version", None, b"1.0")]
    fields.append(("kind", None, b"LottieStandalone"))
    return multipart(fields + [(field, *file) for field, file in files.items()])


def cut_inside(body: bytes, field: str) -> int:
    """An offset in the middle of ``field``'s content."""
    header_end = body.index(b"\r\n\r\n", body.index(f'name="{field}"'.encode())) + 4
    content_end = body.index(f"\r\n--{BOUNDARY}".encode(), header_end)
    return (header_end + content_end) // 2


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def folders(settings, tmp_path) -> tuple[Path, Path]:
    """MEDIA_ROOT and the folder Django writes temporary upload files to, both empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return settings.MEDIA_ROOT, settings.FILE_UPLOAD_TEMP_DIR


@pytest.fixture
def finished():
    """Set when the server has finished with a request (the response is closed)."""
    event = threading.Event()

    def receiver(**kwargs) -> None:
        event.set()

    request_finished.connect(receiver)
    yield event
    request_finished.disconnect(receiver)


@pytest.fixture
def upload(live_server):
    """``upload(body, sent)`` → a socket that has sent the request head and ``sent`` bytes of
    the body of a template upload by a Developer, with the whole body's Content-Length."""
    organization = OrganizationFactory()
    token = token_for(member(organization, Role.DEVELOPER))
    project = make_project(organization)
    host, port = live_server.thread.host, live_server.thread.port

    def send(body: bytes, sent: int) -> socket.socket:
        head = (
            f"POST /api/Projects/{project.pk}/templates/upload HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        client = socket.create_connection((host, port), timeout=30)
        client.sendall(head + body[:sent])
        return client

    return send


def test_the_whole_body_is_stored(upload, folders):
    """The control: this very request, sent whole, makes a template."""
    media_root, temp_dir = folders
    body = upload_body(large="posterFile")
    with upload(body, len(body)) as client:
        response = client.makefile("rb").read()

    assert response.startswith(b"HTTP/1.1 201"), response[:500]
    assert Template.objects.count() == 1
    assert TemplateFile.objects.count() == 3
    assert len(files_under(media_root)) == 3
    wait_for(lambda: not files_under(temp_dir), timeout=5)


@pytest.mark.parametrize("field", ["templateJson", "manifestJson", "posterFile"])
def test_a_client_gone_mid_body_leaves_no_rows_and_no_files(upload, folders, finished, field):
    """Cut in the middle of the first file, of a middle one, and of the last (optional) one,
    after every required part arrived whole."""
    media_root, temp_dir = folders
    body = upload_body(large=field)

    with upload(body, cut_inside(body, field)) as client:
        wait_for(lambda: files_under(temp_dir))  # the server is streaming the body to disk
        client.shutdown(socket.SHUT_RDWR)
    assert finished.wait(timeout=30)

    wait_for(lambda: not files_under(temp_dir), timeout=5)
    assert not Template.objects.exists()
    assert not TemplateFile.objects.exists()
    assert files_under(media_root) == []
