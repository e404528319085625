"""The role matrix of every collaboration endpoint: each org role, the Owner, a Viewer
elevated to ProjectManager by a grant, a guest from another organization, another
organization's admin and an anonymous caller."""

import pytest

from backoffice.models import AuditEvent
from backoffice.roles import Role
from collaboration.models import Comment, UserGroup
from tests.backoffice.factories import member
from tests.collaboration.conftest import CODE_BY_STATUS, assert_problem
from tests.collaboration.factories import grant, make_comment, make_group

pytestmark = pytest.mark.django_db

PRINCIPALS = (
    "Viewer",
    "Developer",
    "ProjectManager",
    "OrganizationAdmin",
    "Owner",
    "elevated",
    "guest",
    "other_admin",
    "anon",
)


def row(*statuses: int) -> dict[str, int]:
    return dict(zip(PRINCIPALS, statuses, strict=True))


READ = row(200, 200, 200, 200, 200, 200, 200, 404, 401)
MANAGE = row(403, 403, 200, 200, 200, 200, 403, 404, 401)
MANAGE_DELETE = row(403, 403, 204, 204, 204, 204, 403, 404, 401)
ORG_READ = row(200, 200, 200, 200, 200, 200, 404, 404, 401)


def org_admin_only(ok: int) -> dict[str, int]:
    return row(403, 403, 403, ok, ok, 403, 404, 404, 401)


def _comment(ctx):
    return make_comment(ctx["project"], member(ctx["org"], Role.VIEWER), "Someone else's")


def _new_member(ctx):
    return member(ctx["org"], Role.VIEWER)


def _existing_member(ctx):
    user = member(ctx["org"], Role.VIEWER)
    grant(ctx["project"], Role.DEVELOPER, user=user)
    return user


def _linked_group(ctx):
    group = make_group(ctx["org"], "Linked")
    grant(ctx["project"], Role.VIEWER, group=group.group)
    return group


# endpoint → (statuses, method, path built from the context, body)
ENDPOINTS = {
    "comments-list": (READ, "get", lambda c: f"/api/Projects/{c['project'].pk}/comments", None),
    "comments-create": (
        row(201, 201, 201, 201, 201, 201, 201, 404, 401),
        "post",
        lambda c: f"/api/Projects/{c['project'].pk}/comments",
        {"message": "Hola"},
    ),
    "comment-get": (
        READ,
        "get",
        lambda c: f"/api/Projects/{c['project'].pk}/comments/{_comment(c).pk}",
        None,
    ),
    "comment-patch-not-author": (
        row(403, 403, 403, 403, 403, 403, 403, 404, 401),
        "patch",
        lambda c: f"/api/Projects/{c['project'].pk}/comments/{_comment(c).pk}",
        {"message": "Changed"},
    ),
    "comment-delete-not-author": (
        row(403, 403, 403, 204, 204, 403, 403, 404, 401),
        "delete",
        lambda c: f"/api/Projects/{c['project'].pk}/comments/{_comment(c).pk}",
        None,
    ),
    "members-list": (READ, "get", lambda c: f"/api/Projects/{c['project'].pk}/members", None),
    "member-put": (
        MANAGE,
        "put",
        lambda c: f"/api/Projects/{c['project'].pk}/members/{_new_member(c).pk}",
        {"role": "Developer"},
    ),
    "member-delete": (
        MANAGE_DELETE,
        "delete",
        lambda c: f"/api/Projects/{c['project'].pk}/members/{_existing_member(c).pk}",
        None,
    ),
    "all-users": (READ, "get", lambda c: f"/api/Projects/{c['project'].pk}/all-users", None),
    "project-groups-list": (
        READ,
        "get",
        lambda c: f"/api/Projects/{c['project'].pk}/user-groups",
        None,
    ),
    "project-group-put": (
        MANAGE,
        "put",
        lambda c: f"/api/Projects/{c['project'].pk}/user-groups/{make_group(c['org']).pk}",
        {"role": "Viewer"},
    ),
    "project-group-delete": (
        MANAGE_DELETE,
        "delete",
        lambda c: f"/api/Projects/{c['project'].pk}/user-groups/{_linked_group(c).pk}",
        None,
    ),
    "guests": (
        row(403, 403, 202, 202, 202, 202, 403, 404, 401),
        "post",
        lambda c: f"/api/Projects/{c['project'].pk}/guests",
        {"email": "new.guest@partner.example"},
    ),
    "private": (MANAGE, "post", lambda c: f"/api/Projects/{c['project'].pk}/private", None),
    "public": (MANAGE, "post", lambda c: f"/api/Projects/{c['project'].pk}/public", None),
    "history": (READ, "get", lambda c: f"/api/Projects/{c['project'].pk}/history", None),
    "history-by-slug": (
        READ,
        "get",
        lambda c: f"/api/Projects/{c['project'].slug}/history",
        None,
    ),
    "user-groups-list": (
        ORG_READ,
        "get",
        lambda c: f"/api/Organizations/{c['org'].pk}/user-groups",
        None,
    ),
    "user-group-get": (
        ORG_READ,
        "get",
        lambda c: f"/api/Organizations/{c['org'].pk}/user-groups/{make_group(c['org']).pk}",
        None,
    ),
    "user-group-create": (
        org_admin_only(201),
        "post",
        lambda c: f"/api/Organizations/{c['org'].pk}/user-groups",
        {"name": "Motion designers"},
    ),
    "user-group-patch": (
        org_admin_only(200),
        "patch",
        lambda c: f"/api/Organizations/{c['org'].pk}/user-groups/{make_group(c['org']).pk}",
        {"name": "Renamed"},
    ),
    "user-group-delete": (
        org_admin_only(204),
        "delete",
        lambda c: f"/api/Organizations/{c['org'].pk}/user-groups/{make_group(c['org']).pk}",
        None,
    ),
    "user-group-member-put": (
        org_admin_only(200),
        "put",
        lambda c: (
            f"/api/Organizations/{c['org'].pk}/user-groups/{make_group(c['org']).pk}"
            f"/members/{member(c['org']).pk}"
        ),
        None,
    ),
    "audit-events": (
        org_admin_only(200),
        "get",
        lambda c: f"/api/Organizations/{c['org'].pk}/audit-events",
        None,
    ),
    "audit-events-export": (
        org_admin_only(200),
        "get",
        lambda c: f"/api/Organizations/{c['org'].pk}/audit-events/export",
        None,
    ),
}

CASES = [
    pytest.param(endpoint, principal, status, id=f"{endpoint}-{principal}")
    for endpoint, (statuses, *_) in ENDPOINTS.items()
    for principal, status in statuses.items()
]


@pytest.mark.parametrize(("endpoint", "principal", "status"), CASES)
def test_role_matrix(endpoint, principal, status, client_of, project, org):
    _, method, path, body = ENDPOINTS[endpoint]
    url = path({"project": project, "org": org})
    client = client_of(principal)
    comments_before = Comment.objects.count()
    groups_before = UserGroup.objects.count()
    events_before = AuditEvent.objects.count()

    response = getattr(client, method)(url, body, format="json")

    if status >= 400:
        assert_problem(response, status, CODE_BY_STATUS[status])
        # A refused request changes nothing and records nothing.
        assert Comment.objects.count() == comments_before
        assert UserGroup.objects.count() == groups_before
        assert AuditEvent.objects.count() == events_before
    else:
        assert response.status_code == status, response.content


def test_a_read_token_cannot_comment(users, client_for, project):
    client = client_for(users["OrganizationAdmin"], scope="read")

    response = client.post(f"/api/Projects/{project.pk}/comments", {"message": "Hi"}, format="json")

    assert_problem(response, 403, "insufficient_scope")
