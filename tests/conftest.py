"""Shared fixtures: an organization with a user of each role, API clients for them, and a
second organization to prove isolation."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from backoffice.models import User
from backoffice.roles import Role
from tests.backoffice.factories import OrganizationFactory, UserFactory, member, token_for


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
def client_as(users, other_admin, client_for, anon):
    """``client_as(who)`` → the API client of one of ``PRINCIPALS``."""

    def make(who: str):
        if who == "other":
            return client_for(other_admin)
        if who == "anon":
            return anon
        return client_for(users[who])

    return make
