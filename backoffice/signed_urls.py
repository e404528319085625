"""Short-lived signed URLs of stored files (template files, project thumbnails): the token is
the credential, so a player, an embed or an ``<img>`` fetches the file with no session.

A token carries its signing time rounded down to ``URL_TIME_STEP`` seconds, so a file's URL
stays the same for a minute: a page embedding it can be reused and browsers can cache the
file. A URL is therefore valid for between ``max_age() - 59`` and ``max_age()`` seconds.
"""

import time

from django.conf import settings
from django.core import signing

URL_TIME_STEP = 60


def max_age() -> int:
    """Seconds a signed file URL stays valid (``TEMPLATE_FILE_URL_MAX_AGE``, 600 by default)."""
    return getattr(settings, "TEMPLATE_FILE_URL_MAX_AGE", 600)


def signing_time() -> int:
    """Now, rounded down to ``URL_TIME_STEP``."""
    return int(time.time()) // URL_TIME_STEP * URL_TIME_STEP


class _SteppedSigner(signing.TimestampSigner):
    def __init__(self, salt: str, signed_at: int):
        super().__init__(salt=salt)
        self.signed_at = signed_at

    def timestamp(self) -> str:
        return signing.b62_encode(self.signed_at)


def sign(value: str, *, salt: str, signed_at: int | None = None) -> str:
    """A token for ``value``; each kind of file has its own ``salt``, so one kind's token
    never opens another kind's file."""
    signed_at = signing_time() if signed_at is None else signed_at
    return _SteppedSigner(salt, signed_at).sign(value)


def unsign(token: str, *, salt: str, max_age_seconds: int | None = None) -> str:
    """The value a token names; ``signing.BadSignature`` (``SignatureExpired`` included)
    when it was tampered with or is older than the allowed age."""
    age = max_age() if max_age_seconds is None else max_age_seconds
    return signing.TimestampSigner(salt=salt).unsign(token, max_age=age)
