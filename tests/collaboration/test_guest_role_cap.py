"""A guest holds at most ``Developer`` on a project (SPEC §16): granting more is refused, a
grant made before the rule counts as ``Developer``, and so a guest never manages members,
guests, groups, shares, credentials, visibility or sub-projects, nor publishes — through the
API or the admin."""

import pytest
from django.core.cache import cache
from django.db import transaction
from guardian.shortcuts import assign_perm

from backoffice.actors import Actor
from backoffice.errors import InvalidRequest
from backoffice.models import AuditEvent
from backoffice.roles import Role
from projects.constants import Status, Visibility, grant_codename
from projects.models import Project, ProjectUserObjectPermission
from projects.services import project_grant_set
from tests.admin_forms import change_form_data
from tests.backoffice.factories import UserFactory, member
from tests.collaboration.conftest import assert_problem
from tests.collaboration.factories import grant
from tests.security.test_authorization_matrix import (  # noqa: F401 - ``world`` is a fixture
    MATRIX,
    PRINCIPALS,
    World,
    call,
    world,
)

pytestmark = pytest.mark.django_db


def older_grant(project: Project, user, role: Role) -> None:
    """A grant stored before guests were capped (no service refuses it any more)."""
    assign_perm(f"projects.{grant_codename(role)}", user, project)


# Granting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DEVELOPER])
def test_a_guest_may_be_granted_up_to_developer(project, other_org, role):
    guest = member(other_org, Role.ORGANIZATION_ADMIN)  # an admin at home is a guest here
    grant(project, role, user=guest)
    assert project.role_for(guest) == role


def test_granting_a_guest_more_than_developer_is_refused(project, other_org):
    guest = member(other_org, Role.VIEWER)
    nobody = UserFactory()  # no organization at all
    for person in (guest, nobody):
        with pytest.raises(InvalidRequest) as refused:
            grant(project, Role.PROJECT_MANAGER, user=person)
        assert "at most Developer" in refused.value.errors["role"][0]
        assert project.role_for(person) is None
    assert not ProjectUserObjectPermission.objects.filter(
        content_object=project, user__in=[guest, nobody]
    ).exists()


def test_members_of_the_organization_and_the_owner_may_still_be_elevated(project, users, other_org):
    grant(project, Role.PROJECT_MANAGER, user=users["Viewer"])
    assert project.role_for(users["Viewer"]) == Role.PROJECT_MANAGER
    owner = UserFactory(is_superuser=True)
    grant(project, Role.PROJECT_MANAGER, user=owner)  # not a guest: acts as an admin anyway


def test_a_deactivated_member_is_no_guest(project, org):
    """Their grants count again, in full, once they are reactivated."""
    from backoffice.services import member_deactivate, member_reactivate

    left = member(org, Role.VIEWER)
    member_deactivate(actor=Actor.system("tests"), membership=left.memberships.get())
    grant(project, Role.PROJECT_MANAGER, user=left)
    assert project.role_for(left) is None
    member_reactivate(actor=Actor.system("tests"), membership=left.memberships.get())
    left = type(left).objects.get(pk=left.pk)  # roles are cached on the user object
    assert project.role_for(left) == Role.PROJECT_MANAGER


def test_the_members_endpoint_refuses_to_raise_a_guest(project, principals, client_for):
    guest = principals["guest"]
    client = client_for(principals["ProjectManager"])

    response = client.put(
        f"/api/Projects/{project.pk}/members/{guest.pk}", {"role": "ProjectManager"}, format="json"
    )

    body = assert_problem(response, 400)
    assert "at most Developer" in body["errors"]["role"][0]
    assert project.role_for(guest) == Role.VIEWER
    raised = client.put(
        f"/api/Projects/{project.pk}/members/{guest.pk}", {"role": "Developer"}, format="json"
    )
    assert raised.status_code == 200, raised.content
    assert raised.json()["role"] == "Developer"


def test_the_admin_refuses_to_raise_a_guest(client, users, project, other_org):
    guest = member(other_org, Role.VIEWER, email="partner@agency.example")
    client.force_login(users["Owner"])
    url = f"/admin/projects/project/{project.pk}/change/"
    data = change_form_data(client.get(url).content.decode(), "project_form")
    new = int(data["user_grants-INITIAL_FORMS"])  # after the creator's own grant
    data.update(
        {
            "user_grants-TOTAL_FORMS": str(new + 1),
            f"user_grants-{new}-user": str(guest.pk),
            f"user_grants-{new}-role": "ProjectManager",
            f"user_grants-{new}-content_object": str(project.pk),
        }
    )

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "at most Developer" in response.content.decode()
    assert not ProjectUserObjectPermission.objects.filter(
        content_object=project, user=guest
    ).exists()
    assert not AuditEvent.objects.filter(project_id=project.pk, event_type="USER_LINKED").exists()


# Older grants count as Developer -------------------------------------------------------------


def test_an_older_grant_above_developer_counts_as_developer(project, other_org, client_for):
    guest = member(other_org, Role.VIEWER)
    older_grant(project, guest, Role.PROJECT_MANAGER)
    assert project.role_for(guest) == Role.DEVELOPER

    pm = client_for(member(project.organization, Role.PROJECT_MANAGER))
    base = f"/api/Projects/{project.pk}"
    audience = {row["userId"]: row for row in pm.get(f"{base}/all-users").json()}
    assert audience[str(guest.pk)]["role"] == "Developer"
    members = {row["userId"]: row for row in pm.get(f"{base}/members").json()}
    assert members[str(guest.pk)]["role"] == "Developer"


class _Rollback(Exception):
    pass


def _attempt(scenario: World, principal: str, method: str, path: str) -> int:
    cache.clear()
    try:
        with transaction.atomic():
            response = call(scenario, principal, method, path)
            raise _Rollback
    except _Rollback:
        pass
    return response.status_code


def _column(method: str, path: str, principal: str) -> str:
    return dict(zip(PRINCIPALS, MATRIX[method, path].split(), strict=True))[principal]


#: What a ProjectManager may do and a Developer may not: members, guests, groups, shares,
#: credentials, visibility, sub-projects, publishing, editing the project.
ABOVE_DEVELOPER = sorted(
    operation
    for operation in MATRIX
    if _column(*operation, "ProjectManager") == "A" and _column(*operation, "Developer") == "3"
)
#: What a Developer may do on the project: comment, upload and archive templates.
DEVELOPER_WRITES = sorted(
    operation
    for operation in MATRIX
    if operation[0] != "GET"
    and _column(*operation, "Developer") == "A"
    and _column(*operation, "Viewer") == "3"
)


def test_the_operations_above_developer_include_the_findings():
    findings = {
        ("POST", "/api/Projects/{id}/subprojects"),
        ("POST", "/api/Projects/{projectId}/guests"),
        ("POST", "/api/credentials"),
        ("POST", "/api/Projects/{projectId}/private"),
        ("PUT", "/api/Projects/{projectId}/members/{userId}"),
        ("PUT", "/api/Projects/{projectId}/user-groups/{id}"),
        ("PUT", "/api/Projects/{projectId}/public-video-shares/{channel}"),
        ("POST", "/api/Projects/{projectId}/distribution-channels/{channel}/publish"),
    }
    assert findings <= set(ABOVE_DEVELOPER)
    assert ("POST", "/api/Projects/{projectId}/templates/upload") in DEVELOPER_WRITES


@pytest.fixture
def guests(world: World, other_org, client_for) -> World:  # noqa: F811 - the fixture above
    """Two guests of the matrix's project: one with an older ProjectManager grant, one
    granted Developer (the most a guest is given now)."""
    project = Project.objects.get(pk=world.params["project"])
    older = member(other_org, Role.VIEWER)
    older_grant(project, older, Role.PROJECT_MANAGER)
    developer = member(other_org, Role.VIEWER)
    grant(project, Role.DEVELOPER, user=developer)
    world.clients |= {"guest_pm": client_for(older), "guest_dev": client_for(developer)}
    return world


@pytest.mark.parametrize(("method", "path"), ABOVE_DEVELOPER)
def test_a_guest_never_does_what_needs_more_than_developer(method, path, guests):
    project = Project.objects.get(pk=guests.params["project"])
    before = (project.visibility, project.children.count(), project.updated_at)

    for principal in ("guest_pm", "guest_dev"):
        assert _attempt(guests, principal, method, path) == 403, principal

    project.refresh_from_db()
    assert (project.visibility, project.children.count(), project.updated_at) == before


@pytest.mark.parametrize(("method", "path"), DEVELOPER_WRITES)
def test_a_developer_guest_does_what_a_developer_does(method, path, guests):
    status = _attempt(guests, "guest_dev", method, path)
    assert status not in (401, 403, 404), status


def test_the_findings_change_nothing_in_the_database(guests):
    """The four findings, replayed by the guest with the older ProjectManager grant."""
    project = Project.objects.get(pk=guests.params["project"])
    client = guests.clients["guest_pm"]
    base = f"/api/Projects/{project.pk}"
    invited_before = AuditEvent.objects.filter(event_type="GUEST_INVITED").count()

    responses = [
        client.post(f"{base}/subprojects", {"name": "Inside the host"}, format="json"),
        client.post(f"{base}/guests", {"email": "more@outsider.example"}, format="json"),
        client.post("/api/credentials", {"projectId": str(project.pk), "name": "x"}, format="json"),
        client.post(f"{base}/private", format="json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    project.refresh_from_db()
    assert project.visibility == Visibility.ORGANIZATION
    assert not project.children.exists()
    assert not project.credentials.filter(name="x").exists()
    assert AuditEvent.objects.filter(event_type="GUEST_INVITED").count() == invited_before


# The admin ----------------------------------------------------------------------------------


def test_a_guest_on_the_staff_changes_nothing_of_the_host_in_the_admin(client, project, other_org):
    guest = member(other_org, Role.ORGANIZATION_ADMIN, is_staff=True)
    older_grant(project, guest, Role.PROJECT_MANAGER)
    client.force_login(guest)
    change = f"/admin/projects/project/{project.pk}/change/"

    listed = client.get("/admin/projects/project/")
    assert project.name not in listed.content.decode()
    assert client.get(change).status_code in (302, 403, 404)
    client.post(change, {"name": "Renamed", "visibility": Visibility.PRIVATE})
    client.post(
        "/admin/projects/project/",
        {"action": "archive", "_selected_action": [str(project.pk)], "post": "yes"},
    )

    project.refresh_from_db()
    assert project.visibility == Visibility.ORGANIZATION
    assert project.status != Status.ARCHIVED
    assert project.name != "Renamed"


def test_grant_services_refuse_a_guest_whoever_asks(project, other_org, users):
    guest = member(other_org, Role.VIEWER)
    for actor in (Actor.for_user(users["Owner"]), Actor.system("command")):
        with pytest.raises(InvalidRequest):
            project_grant_set(actor=actor, project=project, user=guest, role=Role.PROJECT_MANAGER)
