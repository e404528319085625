"""Fixtures of the shares tests."""

import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from tests.shares.redis_helpers import REDIS_URL, redis_or_skip


@pytest.fixture
def redis_cache(settings):
    """The default cache on the real Redis, under a key prefix of its own so that other runs
    sharing the server are never touched; the keys go afterwards. Yields the raw redis-py
    client."""
    raw = redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    assert isinstance(caches["default"], RedisCache)
    yield raw
    for key in raw.scan_iter(match=f"{prefix}:*"):
        raw.delete(key)
    raw.close()
