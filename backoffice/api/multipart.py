"""Multipart bodies are parsed only when they arrived whole.

Django's multipart parser takes the end of the input for the end of the last part: when a
client goes away mid-upload, the view would get the parts received so far, a truncated file
as if complete, or a form without its last files, and could store that as a valid upload.
"""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from ..unstorable import unstorable
from .parsers import UNSTORABLE_DETAIL, refuse_unstorable_form


class _CountingStream:
    """Reads from ``stream`` and counts the bytes it gave."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.bytes_read += len(data)
        return data


class CompleteMultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing with 400 a body shorter than its ``Content-Length``
    (the client disconnected). Files already received, temporary files included, are
    removed at once rather than when the request is garbage-collected."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: dict | None = None
    ) -> parsers.DataAndFiles:
        request = (parser_context or {})["request"]
        counting = _CountingStream(stream)
        parsed = super().parse(counting, media_type, parser_context)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and counting.bytes_read < int(declared):
            for handler in request.upload_handlers:
                handler.upload_interrupted()  # the file being received when the input ended
            for _, files in parsed.files.lists():
                for file in files:
                    file.close()  # a temporary upload file is deleted on close
            raise ParseError("The request body ended before its declared Content-Length.")
        try:
            refuse_unstorable_form(parsed.data)
            for name, files in parsed.files.lists():
                if any(unstorable(file.name or "") for file in files):
                    raise ParseError(UNSTORABLE_DETAIL.format(f"The file name of {name!r}"))
        except ParseError:
            _close_all(parsed)
            raise
        return parsed


def _close_all(parsed: parsers.DataAndFiles) -> None:
    for _, files in parsed.files.lists():
        for file in files:
            file.close()  # a temporary upload file is deleted on close
