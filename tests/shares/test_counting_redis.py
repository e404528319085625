"""Counting views and CTA clicks in Redis and flushing them into the daily table (SPEC §16
"Public surfaces at scale"), on the real Redis and PostgreSQL: no count is lost or doubled,
however many requests and flushes run at once."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shares import counting
from shares.counting import flush_counts, share_counts, today
from shares.models import ShareCountFlush, ShareDailyCount
from shares.services import share_counts_flush
from tests.concurrency import run_each_together, run_together
from tests.redis_cache import keys
from tests.shares.public_helpers import make_share, published_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def share(org):
    return make_share(published_project(org)[0])


@pytest.fixture
def unlimited(settings):
    settings.PUBLIC_RATE_LIMIT = (1_000_000, 60)


def table(share) -> tuple[int, int]:
    rows = ShareDailyCount.objects.filter(share=share).values_list("views", "cta_clicks")
    return sum(v for v, _ in rows), sum(c for _, c in rows)


def test_2000_concurrent_views_over_50_threads_leave_exactly_2000(redis_cache, unlimited, share):
    def fifty_views() -> int:
        web = Client()
        return sum(web.get(f"/v/{share.slug}").status_code == 200 for _ in range(40))

    assert sum(run_together(fifty_views, 50, timeout=300)) == 2000
    # Nothing reached the table; all of it is pending in Redis, and shown.
    assert table(share) == (0, 0)
    assert share_counts(share.pk) == (2000, 0)
    result = share_counts_flush()
    assert (result.batches, result.views) == (1, 2000)
    assert table(share) == (2000, 0)
    assert share_counts(share.pk) == (2000, 0)


def test_a_view_is_one_cache_round_trip_and_no_write_to_the_database(redis_cache, unlimited, share):
    web = Client()
    with CaptureQueriesContext(connection) as queries:
        assert web.get(f"/v/{share.slug}").status_code == 200
        assert web.get(f"/v/{share.slug}/cta").status_code == 302
    assert all(q["sql"].lstrip().startswith("SELECT") for q in queries), queries.captured_queries
    assert keys(redis_cache, "shares:counts:*") == ["shares:counts:pending"]
    pending = redis_cache.hgetall(redis_cache_key("shares:counts:pending"))
    day = today().isoformat()
    assert {key.decode(): int(value) for key, value in pending.items()} == {
        f"d|{day}|{share.pk}|v": 1,
        f"d|{day}|{share.pk}|c": 1,
        f"t|{share.pk}|v": 1,
        f"t|{share.pk}|c": 1,
    }


def redis_cache_key(key: str) -> str:
    from django.core.cache import caches

    return caches["default"].make_and_validate_key(key)


def test_the_flush_keeps_each_day_apart_and_adds_to_what_the_table_has(redis_cache, share):
    yesterday = today() - dt.timedelta(days=1)
    ShareDailyCount.objects.create(share=share, day=yesterday, views=5, cta_clicks=1)
    key = redis_cache_key("shares:counts:pending")
    redis_cache.hset(key, mapping={f"d|{yesterday}|{share.pk}|v": 2, f"t|{share.pk}|v": 2})
    counting.record(share.pk, counting.VIEWS)
    counting.record(share.pk, counting.CTA_CLICKS)
    assert share_counts(share.pk) == (5 + 3, 2)
    flush_counts()
    assert dict(ShareDailyCount.objects.filter(share=share).values_list("day", "views")) == {
        yesterday: 7,
        today(): 1,
    }
    assert share_counts(share.pk) == (8, 2)
    # Nothing pending: a second run does nothing.
    assert flush_counts() == counting.FlushResult(0, 0, 0, 0)
    assert share_counts(share.pk) == (8, 2)


def test_flushes_running_at_once_apply_each_count_once(redis_cache, share):
    for _ in range(300):
        counting.record(share.pk, counting.VIEWS)
    results = run_together(flush_counts, 8)
    assert sum(r.views for r in results) == 300
    assert sum(r.batches for r in results) == 1
    assert table(share) == (300, 0)
    assert share_counts(share.pk) == (300, 0)
    assert keys(redis_cache, "shares:counts:*") == []


def test_views_and_flushes_interleaved_lose_and_double_nothing(redis_cache, share):
    stop = threading.Event()

    def count(n: int):
        def work():
            for _ in range(n):
                counting.record(share.pk, counting.VIEWS)
            return n

        return work

    def flush_until_stopped():
        runs = 0
        while not stop.is_set():
            flush_counts()
            runs += 1
        return runs

    def counters():
        done = run_together(count(250), 8)
        stop.set()
        return sum(done)

    counted, first, second = run_each_together(counters, flush_until_stopped, flush_until_stopped)
    assert counted == 2000
    assert first + second > 2
    flush_counts()
    assert table(share) == (2000, 0)
    assert share_counts(share.pk) == (2000, 0)


def test_a_batch_whose_flush_died_after_its_commit_is_not_applied_twice(redis_cache, share):
    for _ in range(7):
        counting.record(share.pk, counting.VIEWS)
    # A flush that claimed the pending counts and committed them, then died before deleting
    # the batch from Redis.
    client, cache = counting._redis()
    client.eval(
        counting._CLAIM,
        3,
        cache.make_and_validate_key(counting.PENDING_KEY),
        cache.make_and_validate_key(counting.BATCH_KEY.format("dead")),
        cache.make_and_validate_key(counting.INFLIGHT_KEY),
        "dead",
    )
    batch = counting._parse_batch(
        client.hgetall(cache.make_and_validate_key(counting.BATCH_KEY.format("dead")))
    )
    assert counting._apply("dead", batch)
    # Reads don't count the applied batch twice while it still sits in Redis.
    assert share_counts(share.pk) == (7, 0)
    counting.record(share.pk, counting.VIEWS)
    result = flush_counts()
    assert (result.batches, result.skipped, result.views) == (1, 1, 1)
    assert table(share) == (8, 0)
    assert keys(redis_cache, "shares:counts:*") == []
    assert ShareCountFlush.objects.filter(batch="dead").exists()


def test_a_batch_whose_flush_died_before_its_commit_is_applied_by_the_next(redis_cache, share):
    for _ in range(4):
        counting.record(share.pk, counting.CTA_CLICKS)
    client, cache = counting._redis()
    client.eval(
        counting._CLAIM,
        3,
        cache.make_and_validate_key(counting.PENDING_KEY),
        cache.make_and_validate_key(counting.BATCH_KEY.format("orphan")),
        cache.make_and_validate_key(counting.INFLIGHT_KEY),
        "orphan",
    )
    assert share_counts(share.pk) == (0, 4)  # in flight, still shown
    result = flush_counts()
    assert (result.batches, result.cta_clicks) == (1, 4)
    assert table(share) == (0, 4)


def test_counts_of_a_deleted_share_are_dropped_by_the_flush(redis_cache, share):
    counting.record(share.pk, counting.VIEWS)
    share.delete()
    assert flush_counts().batches == 1
    assert ShareDailyCount.objects.count() == 0


def test_the_command_flushes(redis_cache, share, capsys):
    counting.record(share.pk, counting.VIEWS)
    call_command("flush_share_counts")
    assert "1 view," in capsys.readouterr().out
    assert table(share) == (1, 0)


def test_with_redis_down_views_are_counted_in_the_table(settings, unlimited, share):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/6",  # nothing listens there
        }
    }
    counting.record(share.pk, counting.VIEWS)
    assert table(share) == (1, 0)
    assert share_counts(share.pk) == (1, 0)


def test_the_daily_series_includes_what_is_pending(redis_cache, share, users, client_for):
    from shares.series import project_series

    ShareDailyCount.objects.create(share=share, day=today(), views=3)
    counting.record(share.pk, counting.VIEWS)
    counting.record(share.pk, counting.CTA_CLICKS)
    days = project_series(share.project, today() - dt.timedelta(days=1), today())
    assert [(d.views["PROD"], d.cta_clicks["PROD"]) for d in days] == [(0, 0), (4, 1)]
    body = client_for(users["Viewer"]).get(f"/api/Projects/{share.project_id}/stats").json()
    assert body["daily"]["days"][-1]["views"]["PROD"] == 4
    flush_counts()
    days = project_series(share.project, today(), today())
    assert (days[0].views["PROD"], days[0].cta_clicks["PROD"]) == (4, 1)
