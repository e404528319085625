"""Process-local counters of events an operator should see (``/readyz`` reports them).

Kept in the process, not in the cache: the events counted here are the cache's failures.
"""

import threading
from collections import Counter

RATE_LIMIT_FAIL_OPEN = "rateLimitFailOpen"

_lock = threading.Lock()
_counts: Counter[str] = Counter()


def increment(name: str, amount: int = 1) -> None:
    with _lock:
        _counts[name] += amount


def snapshot() -> dict[str, int]:
    with _lock:
        return dict(_counts)
