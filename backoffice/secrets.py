"""Generating, recognising and hashing the secrets the product hands out.

Tokens follow the scanner-friendly shape of GitHub's: a typed prefix, a public id used for
look-up, a high-entropy secret and a checksum, e.g. ``pbt_3kF9aZ01_<40 chars><6 chars>``.
The stored form is an HMAC-SHA256 digest under a server-side key: high-entropy secrets need
no slow hash, and bcrypt would silently truncate them.
"""

import hashlib
import hmac
import secrets
import string
import zlib
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.crypto import salted_hmac

BASE62 = string.digits + string.ascii_letters
PUBLIC_ID_LENGTH = 8
SECRET_LENGTH = 40  # 40 base62 characters ≈ 238 bits
CHECKSUM_LENGTH = 6


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits))


def checksum(text: str) -> str:
    return _base62(zlib.crc32(text.encode()), CHECKSUM_LENGTH)


@cache
def _hash_key(key_setting: str, secret_key: str) -> bytes:
    if key_setting:
        return key_setting.encode()
    return salted_hmac("percus.secrets", "hash-key", secret=secret_key).digest()


def digest(secret: str) -> str:
    """The one-way form of a secret that is stored and compared."""
    key = _hash_key(settings.TOKEN_HASH_KEY, settings.SECRET_KEY)
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def digests_match(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


@dataclass(frozen=True)
class IssuedToken:
    """A freshly made token: ``value`` is shown once, the rest is stored."""

    value: str
    prefix: str
    digest: str


def issue_token(kind: str) -> IssuedToken:
    """Make a token of a kind such as ``pbt`` (personal backoffice token)."""
    prefix = f"{kind}_{random_base62(PUBLIC_ID_LENGTH)}"
    body = f"{prefix}_{random_base62(SECRET_LENGTH)}"
    value = body + checksum(body)
    return IssuedToken(value=value, prefix=prefix, digest=digest(value))


def token_prefix(value: str, kind: str) -> str | None:
    """The look-up prefix of a well-formed token of this kind, or None.

    The checksum lets a typo or a random string be refused without touching the database.
    """
    expected_length = len(kind) + 1 + PUBLIC_ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH
    if len(value) != expected_length or not value.startswith(f"{kind}_"):
        return None
    body, check = value[:-CHECKSUM_LENGTH], value[-CHECKSUM_LENGTH:]
    if not hmac.compare_digest(checksum(body), check):
        return None
    return body[: len(kind) + 1 + PUBLIC_ID_LENGTH]


def url_token() -> str:
    """A single-use link token (invitations): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)
