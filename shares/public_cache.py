"""The rows behind the landing page and the embed manifest, kept in Redis so that a hit reads
no database at all (SPEC §16 "Public surfaces at scale").

Every entry's key carries the current *generation* (``public:gen``), and one Lua script reads
the generation and the entry in a single round trip. A committed change to anything a public
page shows (a share, channel, template or its files, project, credential or organization)
increments the generation (``transaction.on_commit``), so the very next request, in every web
process, misses and reads the database again; entries of older generations are never read
again and expire (``ENTRY_SECONDS``).

What invalidates: every audit event (every service records one in the transaction of its
change: trash, restore and purge included) and every save or delete of those models, so a
change made outside the services (the admin's save, a data migration's ``save()``) is seen
too. A change that writes with ``QuerySet.update()`` and records no event is not seen until
the entry expires: none of the services does that for a field the public pages show.

With the local-memory cache (the embedded default) nothing is cached here: each process
would keep its own copy that the others' changes can't reach.
"""

import hashlib
import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

T = TypeVar("T")

GENERATION_KEY = "public:gen"
ENTRY_SECONDS = 300
#: A cached "no such row" (an unknown slug or key), so probing slugs costs no query either.
MISSING = b"-"

# The generation, then the entry of that generation: KEYS[1] the generation's key, ARGV[1]
# the entry key's prefix, ARGV[2] its suffix (a standalone Redis, not a cluster: the entry's
# key is computed here).
_LOOKUP = """
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])}
"""


def _redis() -> tuple[Any, RedisCache] | None:
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    return cache._cache.get_client(cache.make_key(GENERATION_KEY), write=True), cache


def cached(kind: str, ident: str, read: Callable[[], T | None]) -> T | None:
    """The value ``read()`` returns (a picklable row, or None), from Redis when the current
    generation has it; else read, stored for the next request, and returned."""
    found = _redis()
    if found is None:
        return read()
    client, cache = found
    prefix = cache.make_key(f"public:{kind}:")
    try:
        generation, raw = client.eval(_LOOKUP, 1, cache.make_key(GENERATION_KEY), prefix, ident)
    except RedisError as error:
        log.warning("public cache unavailable, reading the database (%s)", error)
        return read()
    if raw is not None:
        return None if raw == MISSING else pickle.loads(raw)  # noqa: S301 - written only here
    value = read()
    try:
        client.set(
            f"{prefix}{generation.decode()}:{ident}",
            MISSING if value is None else pickle.dumps(value, pickle.HIGHEST_PROTOCOL),
            ex=ENTRY_SECONDS,
        )
    except RedisError as error:
        log.warning("public cache unavailable, not storing (%s)", error)
    return value


def first_this_minute(name: str) -> bool:
    """True for the first caller of a minute (``SET NX EX 60``), so that a cached row's
    stale ``lastUsedAt`` doesn't send every request to the database; always True without
    Redis (the row read from the database then says whether a minute has passed)."""
    found = _redis()
    if found is None:
        return True
    client, cache = found
    try:
        return bool(client.set(cache.make_key(f"public:once:{name}"), b"1", nx=True, ex=60))
    except RedisError:
        return True


def key_ident(*parts: str) -> str:
    """A fixed-length key part for values that may be long or unusual (an API key, a handle)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _bump() -> None:
    found = _redis()
    if found is None:
        return
    client, cache = found
    try:
        client.incr(cache.make_key(GENERATION_KEY))
    except RedisError as error:  # entries then live until they expire
        log.error("public cache not invalidated (%s): stale for up to %ss", error, ENTRY_SECONDS)


def invalidate() -> None:
    """Make every cached public row stale once the current transaction commits (at once
    outside a transaction). A transaction that changes many rows bumps the generation once."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump()
        return
    # Already registered in this transaction (a rolled-back savepoint drops its callbacks,
    # so a registration that survives here will run).
    if any(hook[1] is _bump for hook in connection.run_on_commit):
        return
    transaction.on_commit(_bump)


def on_model_change(sender, **kwargs) -> None:
    """``post_save``/``post_delete`` receiver (raw fixture loads included)."""
    invalidate()
