"""Limits of templates, read from settings at call time (tests override them)."""

from django.conf import settings


def max_upload_bytes() -> int:
    """The total size of one upload's files; defaults to the request body limit."""
    return getattr(settings, "MAX_UPLOAD_BYTES", settings.MAX_REQUEST_BODY_BYTES)


def max_json_bytes() -> int:
    return getattr(settings, "MAX_TEMPLATE_JSON_BYTES", 20 * 1024 * 1024)


def file_url_max_age() -> int:
    """Seconds a signed file URL stays valid."""
    return getattr(settings, "TEMPLATE_FILE_URL_MAX_AGE", 600)
