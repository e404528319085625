"""Opaque keyset cursors: the position after the last item of a page.

A cursor encodes the last item's ``(created_at, id)``; the ordering ``-created_at, -id`` is
indexed and immutable, so pages stay stable while rows are added. Anything that does not
decode to that shape is refused (400), never passed to the database.
"""

import base64
import json
from datetime import datetime
from uuid import UUID

from rest_framework.exceptions import ValidationError


def encode_cursor(created_at: datetime, pk: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, pk = json.loads(raw)
        position = datetime.fromisoformat(created_at), UUID(pk)
    except (ValueError, TypeError, AttributeError, RecursionError):
        raise ValidationError({"cursor": ["Invalid cursor."]}) from None
    if position[0].tzinfo is None:
        raise ValidationError({"cursor": ["Invalid cursor."]})
    return position
