"""Shared fixtures: an organization with a user of each role, API clients for them, and a
second organization to prove isolation."""

import time
import uuid

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from backoffice.models import User
from backoffice.roles import Role
from tests.backoffice.factories import OrganizationFactory, UserFactory, member, token_for
from tests.redis_cache import REDIS_URL, redis_or_skip


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Every test stores its files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Banco Andino", slug="banco-andino")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Other Insurance", slug="other-insurance")


@pytest.fixture
def users(org) -> dict[str, User]:
    """One user per org role in ``org``, plus the system owner, keyed by role name."""
    people = {role.value: member(org, role) for role in Role}
    people["Owner"] = UserFactory(is_superuser=True, is_staff=True)
    return people


@pytest.fixture
def other_admin(other_org) -> User:
    return member(other_org, Role.ORGANIZATION_ADMIN)


class Client(APIClient):
    """An API client that authenticates with a real bearer token of its user."""

    def __init__(self, user: User | None = None, scope: str = "write", **kwargs):
        super().__init__(**kwargs)
        self.user = user
        if user is not None:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}")


@pytest.fixture
def client_for(db):
    """``client_for(user, scope="write")`` → an authenticated API client."""
    return Client


@pytest.fixture
def anon():
    return APIClient()


#: The callers of a role matrix: each org role, the system Owner, another organization's
#: admin ("other") and an anonymous client ("anon").
PRINCIPALS = (
    "Viewer",
    "Developer",
    "ProjectManager",
    "OrganizationAdmin",
    "Owner",
    "other",
    "anon",
)


@pytest.fixture
def owner_client(client, users):
    """Django's test client logged in to the admin as the system Owner."""
    client.force_login(users["Owner"])
    return client


@pytest.fixture
def client_as(users, other_admin, client_for, anon):
    """``client_as(who)`` → the API client of one of ``PRINCIPALS``."""

    def make(who: str):
        if who == "other":
            return client_for(other_admin)
        if who == "anon":
            return anon
        return client_for(users[who])

    return make


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy (returned), or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"still waiting after {timeout} s for {getattr(predicate, '__name__', '…')}")


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (a thread of this process, solo pool) consuming from the test
    broker, Redis database 7 (``backoffice.settings.test``). Tasks it runs see what the test
    committed, so tests using it run outside a wrapping transaction. The queue is emptied
    first: nothing left by an earlier run is delivered to this one."""
    import redis
    from celery.contrib.testing.worker import start_worker

    from backoffice.celery import app

    try:
        redis.Redis.from_url(app.conf.broker_url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"no Redis broker answers at {app.conf.broker_url}: {error}")
    app.control.purge()
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=15
    ) as worker:
        yield worker
    app.control.purge()


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
