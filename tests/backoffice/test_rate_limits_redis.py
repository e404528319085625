"""Rate limits on the real Redis (``CACHE_URL=redis://…``): one budget for every web process,
counters that expire with their window, hits that are atomic."""

import time

import pytest
from django.core.cache import caches

from backoffice.ratelimit import Limit
from tests.concurrency import run_together
from tests.redis_cache import REDIS_URL

pytestmark = pytest.mark.django_db

BAD_TOKEN = "Bearer pbt_notreal"


def web_process():
    """A cache connection of its own, as another gunicorn worker would have."""
    return caches.create_connection("default")


def as_process(process, client, path="/api/me", **extra):
    caches["default"] = process
    return client.get(path, HTTP_AUTHORIZATION=BAD_TOKEN, **extra)


def counter(raw, scope: str, ident: str) -> tuple[int, int]:
    """(value, TTL in seconds) of a limit's counter, read straight from Redis."""
    key = next(raw.scan_iter(match=f"*ratelimit:{scope}:{ident}"))
    return int(raw.get(key)), raw.ttl(key)


def test_the_cache_url_selects_djangos_redis_backend(monkeypatch):
    import environ

    monkeypatch.setenv("CACHE_URL", REDIS_URL)
    config = environ.Env().cache("CACHE_URL")
    assert config == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }


def test_the_failure_budget_is_shared_by_two_web_processes(redis_cache, settings, anon):
    settings.AUTH_FAILURE_LIMIT = (4, 60)
    first, second = web_process(), web_process()
    assert first is not second

    assert [as_process(first, anon).status_code for _ in range(2)] == [401, 401]
    assert [as_process(second, anon).status_code for _ in range(2)] == [401, 401]

    for process in (first, second):
        refused = as_process(process, anon)
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert int(refused["Retry-After"]) >= 60
    # Two connection pools, one counter on the server; another address is untouched.
    assert first._cache._pools[0] is not second._cache._pools[0]
    assert counter(redis_cache, "auth-failures", "127.0.0.1")[0] == 4
    assert as_process(second, anon, REMOTE_ADDR="198.51.100.9").status_code == 401


def test_the_window_expires_after_retry_after(redis_cache, settings, anon):
    settings.AUTH_FAILURE_LIMIT = (2, 1)
    for _ in range(2):
        assert anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN).status_code == 401
    refused = anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN)
    assert refused.status_code == 429

    time.sleep(int(refused["Retry-After"]))

    assert anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN).status_code == 401
    value, ttl = counter(redis_cache, "auth-failures", "127.0.0.1")
    assert value == 1  # a new window, counted from this failure
    assert ttl in (0, 1)


def test_concurrent_hits_from_many_connections_are_all_counted(redis_cache):
    limit = Limit("race", 1000, 60)

    def hit_from_a_process_of_its_own():
        caches["default"] = web_process()
        return [limit.hit("10.0.0.1") for _ in range(25)]

    counts = run_together(hit_from_a_process_of_its_own, times=8)

    returned = sorted(count for batch in counts for count in batch)
    assert returned == list(range(1, 201))  # every hit saw its own count: none lost
    value, ttl = counter(redis_cache, "race", "10.0.0.1")
    assert value == 200
    assert 0 < ttl <= 60  # the counter always carries its window's expiry
