"""Request parsers with bounds: JSON is read into memory, so its size and depth are capped."""

import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .exceptions import PayloadTooLarge


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
            data = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise too_deep from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        if nested_deeper_than(data, settings.MAX_JSON_DEPTH):
            raise too_deep
        return data
