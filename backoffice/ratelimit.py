"""Fixed-window rate limits kept in Django's cache, so every web process shares them when the
cache is shared (``CACHE_URL=redis://…``); the local-memory default limits per process."""

from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window_seconds: int

    def _key(self, ident: str) -> str:
        return f"ratelimit:{self.scope}:{ident}"

    def check(self, ident: str) -> None:
        """Refuse (429 with Retry-After) while the window's budget is spent."""
        if cache.get(self._key(ident), 0) >= self.count:
            raise Throttled(wait=self.window_seconds)

    def hit(self, ident: str) -> None:
        key = self._key(ident)
        cache.add(key, 0, timeout=self.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window_seconds)


def client_ident(request) -> str:
    """The client's address, honouring ``NUM_PROXIES`` as DRF's throttles do."""
    return BaseThrottle().get_ident(request)
