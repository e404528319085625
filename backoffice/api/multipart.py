"""Multipart bodies are parsed only when they arrived whole.

Django's multipart parser takes the end of the input for the end of the last part: when a
client goes away mid-upload, the view would get the parts received so far, a truncated file
as if complete, or a form without its last files, and could store that as a valid upload.
"""

import codecs
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from ..unstorable import unstorable
from .parsers import UNSTORABLE_DETAIL, refuse_unstorable_form

_STRICT_PREFIX = "percus_strict_"


def _strict_codec(name: str) -> codecs.CodecInfo | None:
    """``percus_strict_<charset>``: the charset, decoding strictly whatever ``errors`` the
    caller asks for. Django decodes multipart field values with ``errors="replace"``, so
    bytes that are not valid in the body's charset (invalid UTF-8, an encoded lone
    surrogate) would become U+FFFD and be stored as if the client had meant them."""
    if not name.startswith(_STRICT_PREFIX):
        return None
    base = codecs.lookup(name.removeprefix(_STRICT_PREFIX))

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        return base.decode(data, "strict")

    return codecs.CodecInfo(base.encode, decode, name=name)


codecs.register(_strict_codec)


def strict_charset(charset: str) -> str:
    """The name of ``charset`` decoded strictly (see ``_strict_codec``)."""
    return _STRICT_PREFIX + codecs.lookup(charset).name.replace("-", "_")


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
        parser_context = dict(parser_context or {})
        request = parser_context["request"]
        charset = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        try:
            parser_context["encoding"] = strict_charset(charset)
        except LookupError:
            raise ParseError(f'Unsupported charset "{charset}" in the Content-Type.') from None
        counting = _CountingStream(stream)
        try:
            parsed = super().parse(counting, media_type, parser_context)
        except UnicodeDecodeError as error:  # the files received so far are closed by Django
            raise ParseError(
                f"A multipart field is not valid {error.encoding.removeprefix(_STRICT_PREFIX)}"
                " text."
            ) from None
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
