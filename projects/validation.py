"""What a project's fields may hold, checked where the change happens (the services), so the
API, the admin and the commands refuse the same values with the same 400 and message. The
API's serializer asks the same functions; the lengths are the model's."""

import re
from collections.abc import Mapping
from typing import Any

from backoffice.errors import InvalidRequest

from .constants import MAX_TAG_LENGTH, MAX_TAGS, Visibility

# BCP 47 language tag, the common shapes: language[-script][-region][-variant…].
BCP47_PATTERN = r"^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*$"
BCP47 = re.compile(BCP47_PATTERN)
#: What the OpenAPI schema declares for an optional locale: a tag, or empty (no override).
LOCALE_PATTERN = rf"^$|{BCP47_PATTERN}"
LOCALE_MESSAGE = "Must be a BCP 47 language tag such as es-CL."
#: The API's name of each field, for the errors.
API_NAMES = {"job_code": "jobCode", "external_id": "externalId"}


def is_locale(value: str) -> bool:
    return not value or bool(BCP47.match(value))


def normalize_tags(tags: list[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated, in first-seen order."""
    return list(dict.fromkeys(tag.strip().lower() for tag in tags if tag.strip()))


def normalize_category(category: str) -> str:
    """Lower-case and trimmed, like tags (seed 003), so "Credit" and "credit" are one category."""
    return category.strip().lower()


def _refuse(field: str, message: str) -> InvalidRequest:
    return InvalidRequest.for_field(API_NAMES.get(field, field), message)


def clean_project_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields given, normalized (name trimmed, category and tags lower-case),
    or a 400 naming the first field that can't be stored."""
    from .models import Project

    cleaned = dict(fields)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise _refuse("name", "This field is required.")
    if "category" in cleaned:
        cleaned["category"] = normalize_category(cleaned["category"] or "")
    for field, value in cleaned.items():
        if field in ("tags", "visibility"):
            continue
        limit = Project._meta.get_field(field).max_length
        if value is not None and len(value) > limit:
            raise _refuse(field, f"Ensure this field has no more than {limit} characters.")
    if not is_locale(cleaned.get("locale") or ""):
        raise _refuse("locale", LOCALE_MESSAGE)
    if "visibility" in cleaned and cleaned["visibility"] not in Visibility.values:
        raise _refuse("visibility", f"\u201c{cleaned['visibility']}\u201d is not a valid choice.")
    if "tags" in cleaned:
        tags = cleaned["tags"] or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise _refuse("tags", "Expected a list of texts.")
        if len(tags) > MAX_TAGS:
            raise _refuse("tags", f"Ensure this field has no more than {MAX_TAGS} elements.")
        if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
            raise _refuse("tags", f"Ensure each tag has no more than {MAX_TAG_LENGTH} characters.")
        cleaned["tags"] = normalize_tags(tags)
    return cleaned
