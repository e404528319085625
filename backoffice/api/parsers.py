"""Request parsers with bounds: JSON is read into memory, so its size and depth are capped."""

import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from ..unstorable import unstorable
from .exceptions import PayloadTooLarge

UNSTORABLE_DETAIL = "{} contains a NUL byte or an unpaired surrogate, which cannot be stored."


def first_unstorable(value: Any) -> str | None:
    """The JSON path (``$.a.b[0]``) of the first key or string holding a NUL byte or a lone
    surrogate, or None. Iterative, like ``nested_deeper_than``."""
    stack = [(value, "$")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                if unstorable(key):
                    return where
                stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return None


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than ``limit``; iterative, stops at the first
    branch too deep (a recursive walk would be the very crash it guards against)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            if level > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return False


def _refuse_constant(name: str) -> None:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259); Python reads them."""
    raise ValueError(f"{name} is not a JSON value")


class BoundedJSONParser(parsers.JSONParser):
    """At most ``MAX_JSON_BODY_BYTES`` (413 beyond, read no further) and ``MAX_JSON_DEPTH``
    levels of nesting (400 beyond: deeper than Python's recursion limit fails in the decoder
    itself, shallower but still deep later in a recursive renderer)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MAX_JSON_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes.")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes.")
        too_deep = ParseError(f"JSON bodies may nest at most {settings.MAX_JSON_DEPTH} levels.")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except RecursionError:
            raise too_deep from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        if nested_deeper_than(data, settings.MAX_JSON_DEPTH):
            raise too_deep
        where = first_unstorable(data)
        if where is not None:
            raise ParseError(UNSTORABLE_DETAIL.format(where))
        return data


def refuse_unstorable_form(data) -> None:
    """400 for a form or multipart body whose field names or values hold a NUL byte or a
    lone surrogate."""
    for key, values in data.lists():
        if unstorable(key) or any(isinstance(v, str) and unstorable(v) for v in values):
            raise ParseError(UNSTORABLE_DETAIL.format(f"The field {key!r}"))
