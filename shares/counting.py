"""Landing-page views and CTA clicks (SPEC §12, §16 "Public surfaces at scale").

A campaign link may be opened a million times a day, so a view never updates a database row.

- **With Redis** (``CACHE_URL=redis://…``) a view or click is one ``MULTI`` of two ``HINCRBY``
  on one hash of pending counts: the day's count of the share (``d|<day>|<share>|v``) and the
  share's pending total (``t|<share>|v``, which spares a read from knowing the days).
  ``flush_counts`` (run every minute by the scheduler, or ``manage.py flush_share_counts``)
  renames the pending hash to a batch of its own, atomically, and adds the batch's day counts
  to ``ShareDailyCount`` in one transaction that also records the batch in
  ``ShareCountFlush``. A batch is applied exactly once: two flushes at once serialize on that
  record's key, and a flush that died after its commit leaves a batch the next one finds
  already recorded and just deletes.
- **Without Redis** (the embedded default, local memory, which other processes can't see) a
  view is added straight to the share's row of the day in the table.

``viewCount``/``ctaClickCount`` are the table's sums plus what is pending in Redis.
"""

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from redis.exceptions import RedisError

from .models import PublicVideoShare, ShareCountFlush, ShareDailyCount

log = logging.getLogger(__name__)

VIEWS = "v"
CTA_CLICKS = "c"
KINDS = {VIEWS: "views", CTA_CLICKS: "cta_clicks"}
PENDING_KEY = "shares:counts:pending"
INFLIGHT_KEY = "shares:counts:inflight"
BATCH_KEY = "shares:counts:batch:{}"
#: Records of applied batches are kept this long (a batch is deleted from Redis seconds after
#: it is applied; the record only has to outlive a flush that died in between).
FLUSH_RECORDS_KEPT = dt.timedelta(days=7)

# Moves the pending hash to a batch and names the batch in the in-flight set, atomically
# (RENAME fails on a missing key, so it can't be a plain MULTI).
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 1
end
return 0
"""


def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def _redis() -> tuple[Any, RedisCache] | None:
    """The redis-py client of the default cache when it is Redis, else None."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    client = getattr(cache, "_counting_client", None)
    if client is None:  # Django builds a new client object on every call: keep one
        client = cache._cache.get_client(cache.make_and_validate_key(PENDING_KEY), write=True)
        cache._counting_client = client
    return client, cache


def _key(cache: RedisCache, key: str) -> str:
    return cache.make_and_validate_key(key)


def _day_field(day: dt.date, share_id: UUID | str, kind: str) -> str:
    return f"d|{day.isoformat()}|{share_id}|{kind}"


def _total_field(share_id: UUID | str, kind: str) -> str:
    return f"t|{share_id}|{kind}"


# Counting -------------------------------------------------------------------------------------


def record(share_id: UUID, kind: str) -> None:
    """Count one view (``VIEWS``) or CTA click (``CTA_CLICKS``) of a share, now."""
    found = _redis()
    if found is not None:
        client, cache = found
        try:
            with client.pipeline(transaction=True) as pipe:
                key = _key(cache, PENDING_KEY)
                pipe.hincrby(key, _day_field(today(), share_id, kind), 1)
                pipe.hincrby(key, _total_field(share_id, kind), 1)
                pipe.execute()
            return
        except RedisError as error:  # Redis down: count in the table instead
            log.warning("counting in the database: the cache failed (%s)", error)
    _add_to_table({(share_id, today()): {kind: 1}})


@cache
def _upsert_sql(asynchronous: bool) -> str:
    table = connection.ops.quote_name(ShareDailyCount._meta.db_table)
    upsert = (
        f"INSERT INTO {table} (share_id, day, views, cta_clicks) VALUES (%s, %s, %s, %s) "  # noqa: S608 - ours only
        f"ON CONFLICT (share_id, day) DO UPDATE SET views = {table}.views + excluded.views, "
        f"cta_clicks = {table}.cta_clicks + excluded.cta_clicks"
    )
    # One round trip, one implicit transaction whose commit doesn't wait for the WAL to reach
    # the disk: a crash of the database server may lose the last fraction of a second of
    # counts, never anything else (PostgreSQL's "asynchronous commit").
    return f"SET LOCAL synchronous_commit TO OFF; {upsert}" if asynchronous else upsert


def _add_to_table(counts: dict[tuple[Any, dt.date], dict[str, int]]) -> None:
    """Add counts to the rows of ``(share, day)``, creating them as needed."""
    single = len(counts) == 1 and not connection.in_atomic_block
    asynchronous = single and connection.vendor == "postgresql"
    pk = PublicVideoShare._meta.pk
    with connection.cursor() as cursor:
        for (share_id, day), kinds in sorted(counts.items(), key=lambda item: str(item[0])):
            params = [
                pk.get_db_prep_value(share_id, connection),
                connection.ops.adapt_datefield_value(day),
                kinds.get(VIEWS, 0),
                kinds.get(CTA_CLICKS, 0),
            ]
            cursor.execute(_upsert_sql(asynchronous), params)


# Flushing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlushResult:
    batches: int  # batches applied by this run
    skipped: int  # batches another run had already applied
    views: int
    cta_clicks: int


def _parse_batch(raw: dict) -> dict[tuple[str, dt.date], dict[str, int]]:
    counts: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(dict)
    for field, value in raw.items():
        parts = field.decode().split("|")
        if parts[0] != "d" or len(parts) != 4:
            continue  # a pending total: only for reads
        _, day, share_id, kind = parts
        if kind in KINDS:
            key = (share_id, dt.date.fromisoformat(day))
            counts[key][kind] = counts[key].get(kind, 0) + int(value)
    return counts


def _apply(batch: str, counts: dict[tuple[str, dt.date], dict[str, int]]) -> bool:
    """Add a batch to the table once; False when another run had already applied it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ShareCountFlush.objects.create(batch=batch)
        except IntegrityError:
            return False
        existing = {
            str(pk)
            for pk in PublicVideoShare.objects.filter(
                pk__in={share_id for share_id, _ in counts}
            ).values_list("pk", flat=True)
        }
        # The counts of a share deleted since are dropped with it.
        _add_to_table({key: kinds for key, kinds in counts.items() if key[0] in existing})
    return True


def flush_counts() -> FlushResult:
    """Move the counts pending in Redis into ``ShareDailyCount``. Idempotent and safe to run
    in several processes at once; without Redis there is nothing to do."""
    found = _redis()
    if found is None:
        return FlushResult(0, 0, 0, 0)
    client, cache = found
    batch = uuid.uuid4().hex
    client.eval(
        _CLAIM,
        3,
        _key(cache, PENDING_KEY),
        _key(cache, BATCH_KEY.format(batch)),
        _key(cache, INFLIGHT_KEY),
        batch,
    )
    applied = skipped = views = clicks = 0
    # Every batch in flight: this run's, and any a dead or concurrent run left behind.
    for member in sorted(client.smembers(_key(cache, INFLIGHT_KEY))):
        name = member.decode()
        batch_key = _key(cache, BATCH_KEY.format(name))
        counts = _parse_batch(client.hgetall(batch_key))
        if _apply(name, counts):
            applied += 1
            views += sum(kinds.get(VIEWS, 0) for kinds in counts.values())
            clicks += sum(kinds.get(CTA_CLICKS, 0) for kinds in counts.values())
        else:
            skipped += 1
        with client.pipeline(transaction=True) as pipe:
            pipe.delete(batch_key)
            pipe.srem(_key(cache, INFLIGHT_KEY), name)
            pipe.execute()
    ShareCountFlush.objects.filter(flushed_at__lt=timezone.now() - FLUSH_RECORDS_KEPT).delete()
    return FlushResult(applied, skipped, views, clicks)


# Reading --------------------------------------------------------------------------------------


def _pending(fields: Sequence[str]) -> list[int]:
    """The pending value of each field: the pending hash plus every batch in flight that is
    not yet applied. A read during a flush may miss or double that flush's counts once."""
    found = _redis()
    if found is None or not fields:
        return [0] * len(fields)
    client, cache = found
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.hmget(_key(cache, PENDING_KEY), list(fields))
            pipe.smembers(_key(cache, INFLIGHT_KEY))
            values, inflight = pipe.execute()
        totals = [int(value or 0) for value in values]
        if inflight:
            names = {member.decode() for member in inflight}
            applied = set(
                ShareCountFlush.objects.filter(batch__in=names).values_list("batch", flat=True)
            )
            for name in sorted(names - applied):
                more = client.hmget(_key(cache, BATCH_KEY.format(name)), list(fields))
                totals = [
                    total + int(value or 0) for total, value in zip(totals, more, strict=True)
                ]
        return totals
    except RedisError as error:  # Redis down: show what the table has
        log.warning("pending counts unavailable: the cache failed (%s)", error)
        return [0] * len(fields)


def with_flushed_counts(queryset):
    """Annotate ``flushed_views``/``flushed_cta_clicks``: the table's sums, in the same query."""
    sums = ShareDailyCount.objects.filter(share=OuterRef("pk")).values("share")
    return queryset.annotate(
        flushed_views=Coalesce(Subquery(sums.annotate(n=Sum("views")).values("n")[:1]), 0),
        flushed_cta_clicks=Coalesce(
            Subquery(sums.annotate(n=Sum("cta_clicks")).values("n")[:1]), 0
        ),
    )


def attach_counts(shares: Iterable[PublicVideoShare]) -> list[PublicVideoShare]:
    """Set ``view_count`` and ``cta_click_count`` on shares read through
    ``with_flushed_counts``: flushed sums plus pending, in one cache round trip."""
    shares = list(shares)
    fields = [_total_field(share.pk, kind) for share in shares for kind in (VIEWS, CTA_CLICKS)]
    pending = _pending(fields)
    for index, share in enumerate(shares):
        share.view_count = share.flushed_views + pending[2 * index]
        share.cta_click_count = share.flushed_cta_clicks + pending[2 * index + 1]
    return shares


def share_counts(share_id: UUID) -> tuple[int, int]:
    """``(viewCount, ctaClickCount)`` of one share."""
    share = with_flushed_counts(PublicVideoShare.objects.filter(pk=share_id)).first()
    if share is None:
        return 0, 0
    attach_counts([share])
    return share.view_count, share.cta_click_count


def daily_counts(
    share_ids: Sequence[UUID], first: dt.date, last: dt.date
) -> dict[tuple[UUID, dt.date], tuple[int, int]]:
    """``{(share, day): (views, ctaClicks)}`` for the days ``first``..``last``, pending
    counts included; days without any are left out."""
    result: dict[tuple[UUID, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    rows = ShareDailyCount.objects.filter(
        share_id__in=share_ids, day__gte=first, day__lte=last
    ).values_list("share_id", "day", "views", "cta_clicks")
    for share_id, day, views, clicks in rows:
        result[(share_id, day)][0] += views
        result[(share_id, day)][1] += clicks
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    keys = [(share_id, day) for share_id in share_ids for day in days]
    fields = [
        _day_field(day, share_id, kind) for share_id, day in keys for kind in (VIEWS, CTA_CLICKS)
    ]
    pending = _pending(fields)
    for index, key in enumerate(keys):
        views, clicks = pending[2 * index], pending[2 * index + 1]
        if views or clicks:
            result[key][0] += views
            result[key][1] += clicks
    return {key: (views, clicks) for key, (views, clicks) in result.items() if views or clicks}
