"""The cache (Redis) going down mid-run (SPEC §16): requests are still served, rate limits fail
open (logged and counted), ``/readyz`` names the cache with a 503, and everything is back to
normal once Redis is.

A redis-server of the test's own on a free port, stopped and started again by the test."""

import logging
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from backoffice import metrics
from credentials.services import credential_create
from shares.counting import share_counts
from shares.models import DistributionChannel
from tests.reliability.tcp_proxy import free_port
from tests.shares.public_helpers import SYSTEM, make_share, published_project

pytestmark = pytest.mark.django_db

BAD_TOKEN = "Bearer pbt_notreal"


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/4"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path, settings):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.AUTH_FAILURE_LIMIT = (3, 60)
    settings.PUBLIC_RATE_LIMIT = (3, 60)
    yield server
    server.stop()
    caches["default"].close()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_rate_limits_fail_open_while_redis_is_down(redis_server, users, client_for, anon, caplog):
    viewer = client_for(users["Viewer"])
    # Redis up: the limits are enforced, on Redis.
    assert [anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN).status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]
    assert viewer.get("/api/me").status_code == 429  # the same address, locked out
    assert anon.get("/readyz").json()["cache"] == "ok"

    redis_server.stop()
    failed_open = metrics.snapshot().get(metrics.RATE_LIMIT_FAIL_OPEN, 0)
    caplog.set_level(logging.WARNING, logger="backoffice.ratelimit")

    # Every call is served as if under budget, quickly, never a 500.
    for call in [
        lambda: viewer.get("/api/me"),
        lambda: viewer.post("/api/tokens", {"name": "ci"}, format="json"),
        lambda: viewer.get("/api/Projects"),
    ]:
        response, seconds = timed(call)
        assert response.status_code in (200, 201), response.content
        assert seconds < 1.5
    statuses = [anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN).status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert [Client().get("/player/").status_code for _ in range(5)] == [200] * 5
    login = Client().post("/admin/login/", {"username": "a@b.example", "password": "x"})
    assert login.status_code == 200

    # Logged and counted.
    assert metrics.snapshot()[metrics.RATE_LIMIT_FAIL_OPEN] > failed_open
    assert any("rate limit" in record.getMessage() for record in caplog.records)

    # /readyz names the cache; /healthz is up.
    ready = anon.get("/readyz")
    assert ready.status_code == 503
    assert ready["Content-Type"] == "application/problem+json"
    assert ready.json()["cache"] == "unavailable"
    assert ready.json()["database"] == "ok"
    assert "cache" in ready.json()["detail"]
    assert int(ready["Retry-After"]) > 0
    assert anon.get("/healthz").status_code == 200

    # Redis back (empty, as after a restart): limits are enforced again.
    redis_server.start()
    assert anon.get("/readyz").status_code == 200
    statuses = [anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_public_pages_are_served_and_counted_in_the_table_while_redis_is_down(redis_server, org):
    project, _ = published_project(org)
    share = make_share(project)
    key = credential_create(actor=SYSTEM, project=project, name="embed").credential.api_key
    handle = DistributionChannel.objects.get(project=project, channel="PROD").channel_handle
    web = Client()
    assert web.get(f"/v/{share.slug}").status_code == 200  # cached and counted in Redis

    redis_server.stop()

    for _ in range(4):  # past the public budget of 3: the limit fails open
        response, seconds = timed(lambda: web.get(f"/v/{share.slug}"))
        assert response.status_code == 200
        assert b"Your offer" in response.content
        assert seconds < 1.5
    assert web.get(f"/v/{share.slug}/cta").status_code == 302
    embed = web.get(
        "/embed/v1/manifest", {"channelHandle": handle}, headers={"X-Percus-Api-Key": key}
    )
    assert embed.status_code == 200, embed.content
    refused = web.get(
        "/embed/v1/manifest", {"channelHandle": handle}, headers={"X-Percus-Api-Key": "pk_x"}
    )
    assert refused.status_code == 401

    # What Redis can't hold goes straight to the per-day table (SPEC §16).
    assert share_counts(share.pk) == (4, 1)
