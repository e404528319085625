"""Role matrix of every identity endpoint, built from one table (Taiga's resource-permission
tests): anonymous, each organization role, the system Owner and another organization's
admin, each allowed or refused with the exact status and code."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from backoffice.actors import Actor
from backoffice.models import AuditEvent, User
from backoffice.roles import Perm, Role, role_allows
from backoffice.services import invitation_create, member_deactivate, token_create
from tests.backoffice.factories import member

pytestmark = pytest.mark.django_db

ORG_ROLES = [role.value for role in Role]
CALLERS = ["anonymous", *ORG_ROLES, "Owner", "other_admin"]
ANY = "any"  # any authenticated user, acting on their own things


@dataclass
class World:
    org: Any
    other_org: Any
    users: dict[str, User]
    other_admin: User
    target: User  # an active Viewer others act on
    inactive: User  # a deactivated Viewer
    invitation: Any
    caller: User | None = None
    own_token_id: str = ""


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World], str]
    perm: Perm | str
    ok: int = 200
    body: dict | None = field(default=None)
    org_scoped: bool = True

    def __str__(self) -> str:
        return self.name


def _org(w: World) -> str:
    return f"/api/Organizations/{w.org.id}"


ENDPOINTS = [
    Endpoint("me", "get", lambda w: "/api/me", ANY, org_scoped=False),
    Endpoint("token-list", "get", lambda w: "/api/tokens", ANY, org_scoped=False),
    Endpoint(
        "token-create",
        "post",
        lambda w: "/api/tokens",
        ANY,
        ok=201,
        body={"name": "ci", "scope": "read"},
        org_scoped=False,
    ),
    Endpoint(
        "token-detail", "get", lambda w: f"/api/tokens/{w.own_token_id}", ANY, org_scoped=False
    ),
    Endpoint(
        "token-revoke",
        "post",
        lambda w: f"/api/tokens/{w.own_token_id}/revoke",
        ANY,
        org_scoped=False,
    ),
    Endpoint("organization-list", "get", lambda w: "/api/Organizations", ANY, org_scoped=False),
    Endpoint("organization-detail", "get", _org, Perm.VIEW),
    Endpoint("member-list", "get", lambda w: f"{_org(w)}/members", Perm.VIEW),
    Endpoint(
        "member-role",
        "put",
        lambda w: f"{_org(w)}/members/{w.target.id}/role",
        Perm.MANAGE_ORGANIZATION,
        body={"role": "Developer"},
    ),
    Endpoint(
        "member-deactivate",
        "post",
        lambda w: f"{_org(w)}/members/{w.target.id}/deactivate",
        Perm.MANAGE_ORGANIZATION,
    ),
    Endpoint(
        "member-reactivate",
        "post",
        lambda w: f"{_org(w)}/members/{w.inactive.id}/reactivate",
        Perm.MANAGE_ORGANIZATION,
    ),
    Endpoint(
        "invitation-list", "get", lambda w: f"{_org(w)}/invitations", Perm.MANAGE_ORGANIZATION
    ),
    Endpoint(
        "invitation-create",
        "post",
        lambda w: f"{_org(w)}/invitations",
        Perm.MANAGE_ORGANIZATION,
        ok=201,
        body={"email": "newcomer@example.com", "role": "Viewer"},
    ),
    Endpoint(
        "invitation-resend",
        "post",
        lambda w: f"{_org(w)}/invitations/{w.invitation.id}/resend",
        Perm.MANAGE_ORGANIZATION,
    ),
    Endpoint(
        "invitation-revoke",
        "post",
        lambda w: f"{_org(w)}/invitations/{w.invitation.id}/revoke",
        Perm.MANAGE_ORGANIZATION,
    ),
]
WRITE_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.method != "get"]
NOT_ORG_SCOPED = [endpoint for endpoint in ENDPOINTS if not endpoint.org_scoped]


def expected_status(endpoint: Endpoint, caller: str) -> tuple[int, str | None]:
    """What the table says ``caller`` gets: a status and, for errors, the problem code."""
    if caller == "anonymous":
        return 401, "unauthenticated"
    if endpoint.perm == ANY or caller == "Owner":
        return endpoint.ok, None
    if caller == "other_admin":
        return 404, "not_found"
    if role_allows(Role(caller), endpoint.perm):
        return endpoint.ok, None
    return 403, "insufficient_role"


@pytest.fixture
def world(org, other_org, users, other_admin) -> World:
    system = Actor.system()
    target = member(org, Role.VIEWER)
    inactive = member(org, Role.VIEWER)
    member_deactivate(actor=system, membership=inactive.memberships.get())
    invitation = invitation_create(
        actor=system, organization=org, email="invitee@example.com", role=Role.DEVELOPER
    ).invitation
    return World(org, other_org, users, other_admin, target, inactive, invitation)


def _caller(world: World, name: str) -> User | None:
    if name == "anonymous":
        return None
    if name == "other_admin":
        return world.other_admin
    return world.users[name]


def call(client, endpoint: Endpoint, world: World, **extra):
    method = getattr(client, endpoint.method)
    path = endpoint.path(world)
    if endpoint.method == "get":
        return method(path, **extra)
    return method(path, endpoint.body or {}, format="json", **extra)


def _client(world: World, caller: str, client_for, anon, scope: str = "write"):
    user = _caller(world, caller)
    # The token endpoints act on the caller's own token (anonymous: somebody's).
    owner_of_token = user or world.users["Viewer"]
    world.own_token_id = str(
        token_create(actor=Actor.for_user(owner_of_token), user=owner_of_token, name="own").token.id
    )
    return anon if user is None else client_for(user, scope)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_role_matrix(endpoint, caller, world, client_for, anon):
    client = _client(world, caller, client_for, anon)
    response = call(client, endpoint, world)
    status, code = expected_status(endpoint, caller)
    assert response.status_code == status, response.content
    if code is not None:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == code
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=str)
@pytest.mark.parametrize("caller", ["Viewer", "OrganizationAdmin", "Owner"])
def test_read_scope_token_is_refused_on_every_write(endpoint, caller, world, client_for, anon):
    client = _client(world, caller, client_for, anon, scope="read")
    response = call(client, endpoint, world)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "insufficient_scope"


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.method == "get"], ids=str)
def test_read_scope_token_may_read(endpoint, world, client_for, anon):
    client = _client(world, "OrganizationAdmin", client_for, anon, scope="read")
    assert call(client, endpoint, world).status_code == 200


@pytest.mark.parametrize("how", ["header", "query"])
@pytest.mark.parametrize("endpoint", NOT_ORG_SCOPED, ids=str)
def test_naming_an_organization_one_is_not_in_is_403(endpoint, how, world, client_for, anon):
    client = _client(world, "other_admin", client_for, anon)
    org_id = str(world.org.id)
    if how == "header":
        response = call(client, endpoint, world, HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=org_id)
    else:
        world_path = endpoint.path
        endpoint = Endpoint(
            endpoint.name,
            endpoint.method,
            lambda w: f"{world_path(w)}?organizationId={org_id}",
            endpoint.perm,
            endpoint.ok,
            endpoint.body,
            endpoint.org_scoped,
        )
        response = call(client, endpoint, world)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_role"


@pytest.mark.parametrize("how", ["header", "query"])
@pytest.mark.parametrize("endpoint", NOT_ORG_SCOPED, ids=str)
def test_naming_ones_own_organization_passes(endpoint, how, world, client_for, anon):
    client = _client(world, "other_admin", client_for, anon)
    org_id = str(world.other_org.id)
    if how == "header":
        response = call(client, endpoint, world, HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=org_id)
    else:
        base = endpoint.path(world)
        response = getattr(client, endpoint.method)(
            f"{base}?organizationId={org_id}", endpoint.body or {}, format="json"
        )
    assert response.status_code == endpoint.ok


@pytest.mark.parametrize("caller", ["other_admin", "Viewer"])
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.org_scoped], ids=str)
def test_another_organizations_objects_are_404(endpoint, caller, world, client_for, anon):
    """Point each org-scoped endpoint at an object of an organization the caller is not in:
    the answer does not disclose that it exists."""
    stranger_world = World(
        org=world.other_org,
        other_org=world.org,
        users=world.users,
        other_admin=world.other_admin,
        target=member(world.other_org, Role.VIEWER),
        inactive=world.inactive,
        invitation=invitation_create(
            actor=Actor.system(),
            organization=world.other_org,
            email="someone@example.com",
            role=Role.VIEWER,
        ).invitation,
    )
    client = client_for(world.users["OrganizationAdmin"])
    response = call(client, endpoint, stranger_world)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("endpoint", ["detail", "revoke"])
def test_another_users_token_is_404(endpoint, world, client_for):
    theirs = token_create(actor=Actor.system(), user=world.users["Developer"], name="theirs").token
    client = client_for(world.users["OrganizationAdmin"])
    if endpoint == "detail":
        response = client.get(f"/api/tokens/{theirs.id}")
    else:
        response = client.post(f"/api/tokens/{theirs.id}/revoke")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_organization_list_shows_only_the_callers_organizations(world, client_for):
    def names(user):
        return [o["name"] for o in client_for(user).get("/api/Organizations").json()["items"]]

    assert names(world.users["Viewer"]) == [world.org.name]
    assert names(world.other_admin) == [world.other_org.name]
    assert names(world.users["Owner"]) == sorted([world.org.name, world.other_org.name])


def test_invitation_accept_needs_no_login(world, anon, client_for):
    """The one anonymous endpoint: the token is the proof; a logged-in caller gets the same."""
    for client in (anon, client_for(world.other_admin)):
        response = client.post(
            "/api/invitations/accept", {"token": "nope", "password": "x"}, format="json"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# Session authentication (the browsable API) ----------------------------------------------


@pytest.fixture
def session_client(users):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["Developer"])
    return client


def test_session_reads_without_a_csrf_token(session_client, users):
    response = session_client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["email"] == users["Developer"].email


def test_session_write_without_a_csrf_token_is_403(session_client, users):
    response = session_client.post("/api/tokens", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    # Its own code (issue 17: it was insufficient_role, as a missing role is).
    assert response.json()["code"] == "csrf_failed"
    assert "CSRF" in response.json()["detail"]
    assert not users["Developer"].api_tokens.exists()


def test_session_write_with_a_csrf_token_passes_and_is_audited_as_the_user(session_client, users):
    csrf = "k" * 32  # any well-formed secret, as long as cookie and header agree
    session_client.cookies["csrftoken"] = csrf
    response = session_client.post(
        "/api/tokens", {"name": "x"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(event_type="TOKEN_CREATED")
    assert event.actor_kind == "user"
    assert event.actor_user == users["Developer"]


@pytest.mark.parametrize("status", [User.Status.DEACTIVATED, User.Status.SUSPENDED])
def test_session_of_an_inactive_user_is_401(status, session_client, users):
    User.objects.filter(pk=users["Developer"].pk).update(status=status)
    response = session_client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
