"""Huge or hostile request bodies are refused with problem details, in bounded memory, and
leave nothing behind: no row, no stored file, no temporary upload file.

Bodies are streamed to Django lazily (``wsgi.input`` produces bytes as they are read), so the
test holds none of them and can count how much of each the server actually read."""

import contextlib
import itertools
import tracemalloc
from collections.abc import Iterable, Iterator

import pytest
from django.test import Client

from templates.models import Template, TemplateFile
from tests.projects.factories import make_project
from tests.templates.helpers import FIXTURES, stored_files

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
MB = 1024 * 1024
BOUNDARY = "----percus-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class StreamedBody:
    """A ``wsgi.input`` that produces its chunks only as the server reads them."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.consumed += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        """Django's ``LimitedStream`` wants it; the parsers read in chunks."""
        line = self.read(size if size >= 0 else MB)
        end = line.find(b"\n")
        if end >= 0:
            self._buffer = line[end + 1 :] + self._buffer
            self.consumed -= len(line) - end - 1
            line = line[: end + 1]
        return line


def zeros(total: int, chunk: bytes = b"\0" * MB) -> Iterator[bytes]:
    """``total`` bytes of zeros, one shared megabyte at a time."""
    whole, rest = divmod(total, len(chunk))
    yield from itertools.repeat(chunk, whole)
    yield chunk[:rest]


def part(name: str, value: bytes | None = None, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if filename:
        head += "Content-Type: application/octet-stream\r\n"
    return head.encode() + b"\r\n" + (value or b"") + (b"\r\n" if value is not None else b"")


def template_upload_body(video_bytes: int) -> tuple[Iterator[bytes], int]:
    """A valid Raster upload whose video is ``video_bytes`` long: (chunks, exact length)."""
    head = b"".join(
        [
            part("name", b"Huge"),
            part("kind", b"Raster"),
            part("templateJson", (FIXTURES / "lottie.json").read_bytes(), "lottie.json"),
            part("overlayJson", (FIXTURES / "overlay.json").read_bytes(), "overlay.json"),
            part("manifestJson", (FIXTURES / "manifest.json").read_bytes(), "manifest.json"),
            part("videoFile", filename="video.mp4"),
        ]
    )
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    chunks = itertools.chain([head], zeros(video_bytes), [tail])
    return chunks, len(head) + video_bytes + len(tail)


@contextlib.contextmanager
def peak_memory() -> Iterator[dict[str, int]]:
    """The most memory allocated at once inside the block, above what it started with."""
    measured: dict[str, int] = {}
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        yield measured
        _, peak = tracemalloc.get_traced_memory()
        measured["peak"] = peak - start
    finally:
        tracemalloc.stop()


def send(client: Client, path: str, body: StreamedBody, length: int, content_type: str):
    """POST ``body`` declared as ``length`` bytes, through Django's whole request handling."""
    return client.generic(
        "POST",
        path,
        content_type=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
    )


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.fixture
def project(org):
    return make_project(org)


@pytest.fixture
def developer(users, client_for):
    """An API client whose first requests (lazy imports, URL resolver, connections) are
    made, so what is measured is the request alone."""
    client = client_for(users["Developer"])
    client.get("/api/tokens")
    client.post("/api/tokens", b"{}", content_type="application/json")
    return client


@pytest.fixture
def upload_tmp(tmp_path, settings):
    """Where Django writes uploads larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` meanwhile."""
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return settings.FILE_UPLOAD_TEMP_DIR


def upload_url(project) -> str:
    return f"/api/Projects/{project.pk}/templates/upload"


def assert_nothing_left(media_root, upload_tmp) -> None:
    assert not Template.objects.exists()
    assert not TemplateFile.objects.exists()
    assert stored_files(media_root) == []
    assert list(upload_tmp.iterdir()) == []


# JSON ----------------------------------------------------------------------------------


def test_the_bounds_are_set_deliberately(settings):
    assert settings.MAX_JSON_BODY_BYTES == MB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == MB
    assert settings.MAX_JSON_DEPTH == 64
    assert settings.MAX_REQUEST_BODY_BYTES == 250 * MB


def test_a_declared_50_mb_json_body_is_413_unread(developer):
    body = StreamedBody(zeros(50 * MB))

    with peak_memory() as memory:
        response = send(developer, "/api/tokens", body, 50 * MB, "application/json")

    assert_problem(response, 413, "payload_too_large")
    assert body.consumed == 0
    assert memory["peak"] < 2 * MB


def test_json_one_byte_over_the_limit_is_413(developer, settings):
    padding = settings.MAX_JSON_BODY_BYTES - len(b'{"name": ""}')
    fits = b'{"name": "' + b" " * padding + b'"}'
    over = b'{"name": "' + b" " * (padding + 1) + b'"}'

    assert_problem(
        developer.post("/api/tokens", over, content_type="application/json"),
        413,
        "payload_too_large",
    )
    # At the limit the body is read and judged on its fields, not its size.
    body = assert_problem(
        developer.post("/api/tokens", fits, content_type="application/json"), 400, "invalid_request"
    )
    assert set(body["errors"]) == {"name"}


def test_100_000_levels_of_nesting_are_a_400_in_little_memory(developer):
    depth = 100_000
    raw = b"[" * depth + b"]" * depth

    with peak_memory() as memory:
        response = developer.post("/api/tokens", raw, content_type="application/json")

    body = assert_problem(response, 400, "invalid_request")
    assert "nest at most 64 levels" in body["detail"]
    assert memory["peak"] < 4 * MB


@pytest.mark.parametrize(("depth", "refused"), [(64, False), (65, True), (900, True)])
def test_nesting_is_bounded_below_the_recursion_limit(depth, refused, developer):
    raw = b'{"name": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"

    body = assert_problem(
        developer.post("/api/tokens", raw, content_type="application/json"), 400, "invalid_request"
    )

    assert ("nest at most 64 levels" in body["detail"]) is refused


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant, developer):
    """Python's decoder reads them; RFC 8259 has no such values (they were reported later
    as "got type float", or stored where any JSON is taken)."""
    raw = b'{"name": "laptop", "expiresAt": ' + constant + b"}"
    body = assert_problem(
        developer.post("/api/tokens", raw, content_type="application/json"), 400, "invalid_request"
    )
    assert "is not valid JSON" in body["detail"]
    assert constant.decode().lstrip("-") in body["detail"]


# Forms and multipart -------------------------------------------------------------------


def test_a_declared_50_mb_form_body_is_refused_unread(developer):
    """The API reads JSON only: a form body is a 415 before a byte of it is read."""
    body = StreamedBody(zeros(50 * MB, chunk=b"a" * MB))

    with peak_memory() as memory:
        response = send(
            developer, "/api/tokens", body, 50 * MB, "application/x-www-form-urlencoded"
        )

    assert_problem(response, 415, "unsupported_media_type")
    assert body.consumed == 0
    assert memory["peak"] < 2 * MB


def test_too_many_multipart_fields_is_a_problem(developer, project, media_root, upload_tmp):
    fields = b"".join(part(f"field{index}", b"x") for index in range(1001))
    raw = fields + f"--{BOUNDARY}--\r\n".encode()

    response = developer.generic("POST", upload_url(project), raw, MULTIPART)

    assert_problem(response, 413, "payload_too_large")
    assert_nothing_left(media_root, upload_tmp)


def test_too_many_files_is_a_problem(developer, project, media_root, upload_tmp):
    files = b"".join(part("assetFiles", b"x", f"a{index}.png") for index in range(206))
    raw = files + f"--{BOUNDARY}--\r\n".encode()

    response = developer.generic("POST", upload_url(project), raw, MULTIPART)

    assert_problem(response, 413, "payload_too_large")
    assert_nothing_left(media_root, upload_tmp)


def test_multipart_text_fields_over_the_memory_bound_are_a_problem(
    developer, project, media_root, upload_tmp
):
    raw = part("name", b"n" * (MB + 1)) + f"--{BOUNDARY}--\r\n".encode()

    response = developer.generic("POST", upload_url(project), raw, MULTIPART)

    assert_problem(response, 413, "payload_too_large")
    assert_nothing_left(media_root, upload_tmp)


# Template uploads over 250 MB ----------------------------------------------------------


def test_a_251_mb_upload_is_refused_before_a_byte_is_read(
    developer, project, media_root, upload_tmp
):
    chunks, length = template_upload_body(251 * MB)
    body = StreamedBody(chunks)

    with peak_memory() as memory:
        response = send(developer, upload_url(project), body, length, MULTIPART)

    assert_problem(response, 413, "payload_too_large")
    assert body.consumed == 0
    assert memory["peak"] < 2 * MB
    assert_nothing_left(media_root, upload_tmp)


def test_a_251_mb_upload_let_through_is_streamed_to_disk_and_cleaned_up(
    developer, project, media_root, upload_tmp, settings
):
    # A deployment whose body limit is higher than the upload limit: the files are parsed
    # (streamed to temporary files) and the upload service refuses their total.
    settings.MAX_REQUEST_BODY_BYTES = 300 * MB
    settings.MAX_UPLOAD_BYTES = 250 * MB
    chunks, length = template_upload_body(251 * MB)
    body = StreamedBody(chunks)

    with peak_memory() as memory:
        response = send(developer, upload_url(project), body, length, MULTIPART)

    body_ = assert_problem(response, 413, "payload_too_large")
    assert str(250 * MB) in body_["detail"]
    assert body.consumed == length  # really read through...
    assert memory["peak"] < 8 * MB  # ...in bounded memory
    assert_nothing_left(media_root, upload_tmp)


def test_a_body_shorter_than_declared_leaves_no_temporary_file(
    developer, project, media_root, upload_tmp
):
    chunks, length = template_upload_body(20 * MB)
    truncated = StreamedBody(itertools.islice(chunks, 10))  # the client hangs up early

    response = send(developer, upload_url(project), truncated, length, MULTIPART)

    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    assert_nothing_left(media_root, upload_tmp)
