"""Fixtures of the collaboration tests: a project and a client for each principal of the
role matrix (the principals of tests/projects/test_api.py)."""

import pytest

from backoffice.roles import Role
from tests.backoffice.factories import member
from tests.collaboration.factories import grant
from tests.projects.factories import make_project

PROBLEM = "application/problem+json"
CODE_BY_STATUS = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "insufficient_role",
    404: "not_found",
    409: "conflict",
}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == (code or CODE_BY_STATUS[status])
    return body


@pytest.fixture
def project(org):
    """A Draft, organization-wide project made by a ProjectManager none of the principals."""
    return make_project(org, creator=member(org, Role.PROJECT_MANAGER))


@pytest.fixture
def principals(users, other_org, other_admin, project):
    """The user behind each principal (None for anonymous)."""
    elevated = member(project.organization, Role.VIEWER)
    grant(project, Role.PROJECT_MANAGER, user=elevated)
    guest = member(other_org, Role.VIEWER)
    grant(project, Role.VIEWER, user=guest)
    return {**users, "elevated": elevated, "guest": guest, "other_admin": other_admin, "anon": None}


@pytest.fixture
def client_of(principals, client_for, anon):
    def build(principal: str):
        user = principals[principal]
        return anon if user is None else client_for(user)

    return build
