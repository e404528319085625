"""Fixed-window rate limits kept in Django's cache, so every web process shares them when the
cache is shared (``CACHE_URL=redis://…``); the local-memory default limits per process.

When the cache can't be reached the limits fail open: the request is served as if under
budget, the failure is logged and counted (``metrics.RATE_LIMIT_FAIL_OPEN``). A rate limit
protects the service; a cache outage taking every authenticated call down with it would do
the attacker's work. ``/readyz`` reports the cache as down meanwhile.
"""

import hashlib
import logging
import re
from dataclasses import dataclass

import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.exceptions import Throttled

from . import metrics
from .proxies import client_address

logger = logging.getLogger(__name__)

#: What the cache client raises when the cache server is down, unreachable or too slow.
CACHE_UNAVAILABLE = (redis.exceptions.RedisError, OSError)


#: An identity that is written into a cache key as it is; anything else (a client-chosen API
#: key with spaces or non-ASCII characters, say) is written as its digest, so no input can
#: make a key the cache refuses.
_PLAIN_IDENT = re.compile(r"[A-Za-z0-9_.:@+-]{1,128}")


def key_for(scope: str, ident: str) -> str:
    """The cache key of one identity's counter of one limit (also read by the public pages'
    one-round-trip script)."""
    if not _PLAIN_IDENT.fullmatch(ident):
        ident = "sha256-" + hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
    return f"ratelimit:{scope}:{ident}"


def _failed_open(limit: "Limit", error: Exception) -> None:
    metrics.increment(metrics.RATE_LIMIT_FAIL_OPEN)
    logger.warning(
        "rate limit %r not enforced, the cache is unavailable: %s",
        limit.scope,
        type(error).__name__,
    )


@dataclass(frozen=True)
class Limit:
    """``count`` events per ``window_seconds``. The window starts at the first event and its
    counter expires with it, so ``Retry-After: window_seconds`` is always long enough."""

    scope: str
    count: int
    window_seconds: int

    def _key(self, ident: str) -> str:
        return key_for(self.scope, ident)

    def current(self, ident: str) -> int:
        """Events counted in the window so far (0 while the cache is unavailable)."""
        try:
            return int(caches["default"].get(self._key(ident), 0))
        except CACHE_UNAVAILABLE as error:
            _failed_open(self, error)
            return 0

    def spent(self, ident: str) -> bool:
        return self.current(ident) >= self.count

    def check(self, ident: str) -> None:
        """Refuse (429 with Retry-After) while the window's budget is spent."""
        if self.spent(ident):
            raise Throttled(wait=self.window_seconds)

    def take(self, ident: str) -> None:
        """Count one event and refuse it (429 with Retry-After) past the window's budget: one
        cache round trip, for limits that count every request rather than failures."""
        if self.hit(ident) > self.count:
            raise Throttled(wait=self.window_seconds)

    def hit(self, ident: str) -> int:
        """Count one event atomically; returns the count of the window so far (0, never
        refused, while the cache is unavailable)."""
        try:
            return self._hit(ident)
        except CACHE_UNAVAILABLE as error:
            _failed_open(self, error)
            return 0

    def _hit(self, ident: str) -> int:
        cache, key = caches["default"], self._key(ident)
        if isinstance(cache, RedisCache):
            return _redis_hit(cache, key, self.window_seconds)
        # Atomic on the local-memory cache (one lock) and on memcached (server-side).
        cache.add(key, 0, timeout=self.window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window_seconds)
            return 1


def _redis_hit(cache: RedisCache, key: str, window_seconds: int) -> int:
    """``SET NX EX`` and ``INCR`` in one MULTI/EXEC. Django's ``RedisCache.incr`` checks
    ``EXISTS`` then ``INCR``: a counter expiring between the two would come back without a
    TTL and lock its client out for good."""
    full_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(full_key, write=True)  # the redis-py client
    with client.pipeline(transaction=True) as pipe:
        pipe.set(full_key, 0, ex=window_seconds, nx=True)
        pipe.incr(full_key)
        _, count = pipe.execute()
    return int(count)


def client_ident(request) -> str:
    """The client's address: the socket's, or what ``TRUSTED_PROXIES`` reported
    (``backoffice/proxies.py``); a forged ``X-Forwarded-For`` is never an identity."""
    return client_address(request.META)
