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

import datetime as dt
import hashlib
import logging
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from backoffice.ratelimit import key_for

from .counting import CTA_CLICKS, PENDING_KEY, VIEWS, _day_field, _total_field, today

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
    """The redis-py client of the default cache when it is Redis, else None. Kept on the
    cache object (one per thread): Django builds a new client object on every call."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    client = getattr(cache, "_public_client", None)
    if client is None:
        client = cache._cache.get_client(cache.make_key(GENERATION_KEY), write=True)
        cache._public_client = client
    return client, cache


def _script(client: Any, source: str) -> Any:
    """A registered script (``EVALSHA``, loaded again after a Redis restart): the source
    isn't sent with every request."""
    scripts = client.__dict__.setdefault("_public_scripts", {})
    if source not in scripts:
        scripts[source] = client.register_script(source)
    return scripts[source]


def cached(kind: str, ident: str, read: Callable[[], T | None]) -> T | None:
    """The value ``read()`` returns (a picklable row, or None), from Redis when the current
    generation has it; else read, stored for the next request, and returned."""
    found = _redis()
    if found is None:
        return read()
    client, cache = found
    prefix = cache.make_key(f"public:{kind}:")
    try:
        generation, raw = _script(client, _LOOKUP)(
            keys=[cache.make_key(GENERATION_KEY)], args=[prefix, ident]
        )
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


# The hot path in one round trip ---------------------------------------------------------------

# KEYS[1] the generation. ARGV: [1] the entry key's prefix, [2] its ident, [3] the number of
# rate limits n, then n triples (key, window seconds, budget), then the pending-counts hash,
# the day, the count kind ("" for none), and the claim key's prefix ("" for none).
# Returns {wait, generation, entry, counted, claimed}: wait > 0 when a limit refused (nothing
# else done); on a hit the share's view or click is counted and the credential's minute
# claimed, from the ids the entry's header names.
_HOT = """
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  local key, window, budget = ARGV[4 + i * 3], tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3])
  redis.call('SET', key, 0, 'EX', window, 'NX')
  if redis.call('INCR', key) > budget then return {window, '', false, 0, 0} end
end
local rest = 4 + n * 3
local generation = redis.call('GET', KEYS[1]) or '0'
local entry = redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])
local counted, claimed = 0, 0
if entry then
  local first = string.find(entry, '\\n', 1, true)
  local second = string.find(entry, '\\n', first + 1, true)
  local count_id = string.sub(entry, 1, first - 1)
  local claim_id = string.sub(entry, first + 1, second - 1)
  local kind = ARGV[rest + 2]
  if kind ~= '' and count_id ~= '' then
    redis.call('HINCRBY', ARGV[rest], 'd|' .. ARGV[rest + 1] .. '|' .. count_id .. '|' .. kind, 1)
    redis.call('HINCRBY', ARGV[rest], 't|' .. count_id .. '|' .. kind, 1)
    counted = 1
  end
  if ARGV[rest + 3] ~= '' and claim_id ~= '' then
    if redis.call('SET', ARGV[rest + 3] .. claim_id, 1, 'NX', 'EX', 60) then claimed = 1 end
  end
end
return {0, generation, entry or false, counted, claimed}
"""


@dataclass
class Hot:
    """What the hot path's round trip found."""

    wait: int = 0  # > 0: refused by a rate limit, retry after that many seconds
    hit: bool = False
    value: Any = None
    counted: bool = False  # the view or click is already counted (on a hit)
    claimed: bool = False  # this request may write the credential's lastUsedAt


def _header(count_id: Any, claim_id: Any) -> bytes:
    return f"{count_id or ''}\n{claim_id or ''}\n".encode()


def hot_lookup(
    kind: str,
    ident: str,
    *,
    limits: Sequence[tuple[str, str, int, int]],
    count: str = "",
    claim: bool = False,
) -> Hot | None:
    """Rate limits (``(scope, ident, budget, window)``, the keys ``backoffice.ratelimit``
    uses), the cached entry, and on a hit the count of the view (``count``: ``"v"``/``"c"``)
    and the credential's minute (``claim``), in one Lua script: one round trip for a hit.
    None without Redis or when Redis fails (the caller takes the ordinary path)."""
    found = _redis()
    if found is None:
        return None
    client, cache = found
    args: list[Any] = [cache.make_key(f"public:{kind}:"), ident, len(limits)]
    for scope, who, budget, window in limits:
        args += [cache.make_and_validate_key(key_for(scope, who)), window, budget]
    args += [
        cache.make_key(PENDING_KEY),
        timezone.now().astimezone(dt.UTC).date().isoformat(),
        count,
        cache.make_key("public:once:used:") if claim else "",
    ]
    try:
        wait, generation, raw, counted, claimed = _script(client, _HOT)(
            keys=[cache.make_key(GENERATION_KEY)], args=args
        )
    except RedisError as error:
        log.warning("public cache unavailable, reading the database (%s)", error)
        return None
    if wait:
        return Hot(wait=int(wait))
    if not raw:
        return Hot(value=generation.decode())
    _, _, payload = raw.split(b"\n", 2)
    value = None if payload == MISSING else _decoded(payload)
    return Hot(hit=True, value=value, counted=bool(counted), claimed=bool(claimed))


@lru_cache(maxsize=1024)
def _decoded(payload: bytes) -> Any:
    """An entry's value, unpickled once per process and payload: entries are tuples of
    immutable values, and equal payloads are equal values. Unpickling rebuilds every UUID in
    Python code (a manifest's rows hold a dozen): a third of what a hit spent beyond Redis
    before this cache."""
    return pickle.loads(payload)  # noqa: S301 - written only by hot_store


def hot_store(kind: str, ident: str, generation: str, value: Any, count_id=None, claim_id=None):
    """Store what a miss read, under the generation the lookup saw, with the header the
    script counts from."""
    found = _redis()
    if found is None:
        return
    client, cache = found
    payload = MISSING if value is None else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    try:
        client.set(
            f"{cache.make_key(f'public:{kind}:')}{generation}:{ident}",
            _header(count_id, claim_id) + payload,
            ex=ENTRY_SECONDS,
        )
    except RedisError as error:
        log.warning("public cache unavailable, not storing (%s)", error)


def uncount(share_id: Any, kind: str) -> None:
    """Take back a view or click the script counted for a page that turned out unavailable
    (a disabled share, an expired credential: rare, and never below what was counted)."""
    found = _redis()
    if found is None or kind not in (VIEWS, CTA_CLICKS):
        return
    client, cache = found
    try:
        with client.pipeline(transaction=True) as pipe:
            key = cache.make_key(PENDING_KEY)
            pipe.hincrby(key, _day_field(today(), share_id, kind), -1)
            pipe.hincrby(key, _total_field(share_id, kind), -1)
            pipe.execute()
    except RedisError as error:
        log.warning("a view counted for an unavailable page stays counted (%s)", error)
