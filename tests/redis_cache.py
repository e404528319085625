"""The real Redis of the tests (database 6 of 127.0.0.1:6379), each test under a key prefix
of its own so that runs sharing the server never touch each other's keys."""

import pytest
from django.core.cache import caches

REDIS_URL = "redis://127.0.0.1:6379/6"


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"no Redis answers at {REDIS_URL}: {error}")
    return client


def keys(raw, pattern: str = "*") -> list[str]:
    """The keys of this test's cache matching ``pattern`` (after the prefix and version)."""
    prefix = caches["default"].make_and_validate_key("")
    return sorted(key.decode()[len(prefix) :] for key in raw.scan_iter(match=prefix + pattern))
