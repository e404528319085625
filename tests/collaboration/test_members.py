"""Project members, all-users, user groups, guests and visibility (SPEC §9)."""

import pytest

from backoffice.models import AuditEvent, User
from backoffice.roles import Role
from collaboration.models import UserGroup
from projects.constants import Visibility
from projects.models import Project
from tests.backoffice.factories import member
from tests.collaboration.conftest import assert_problem
from tests.collaboration.factories import grant, make_group
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm_client(users, client_for):
    return client_for(users["ProjectManager"])


# Members ---------------------------------------------------------------------------------


def test_put_adds_then_changes_a_member(pm_client, org, project):
    viewer = member(org, Role.VIEWER)
    url = f"/api/Projects/{project.pk}/members/{viewer.pk}"

    added = pm_client.put(url, {"role": "Developer"}, format="json")
    changed = pm_client.put(url, {"role": "ProjectManager"}, format="json")

    assert added.status_code == 200, added.content
    assert added.json() | {"displayName": None} == {
        "userId": str(viewer.pk),
        "email": viewer.email,
        "displayName": None,
        "userStatus": "Active",
        "role": "Developer",
        "isGuest": False,
        "isCreator": False,
    }
    assert changed.json()["role"] == "ProjectManager"
    assert project.role_for(viewer) == Role.PROJECT_MANAGER
    types = list(
        AuditEvent.objects.filter(project_id=project.pk)
        .order_by("created_at")
        .values_list("event_type", flat=True)
    )
    assert types[-2:] == ["USER_LINKED", "GRANT_CHANGED"]


def test_put_with_the_same_role_is_a_400(pm_client, org, project):
    viewer = member(org, Role.VIEWER)
    grant(project, Role.DEVELOPER, user=viewer)

    response = pm_client.put(
        f"/api/Projects/{project.pk}/members/{viewer.pk}", {"role": "Developer"}, format="json"
    )

    assert_problem(response, 400)


@pytest.mark.parametrize("role", ["OrganizationAdmin", "Owner", ""])
def test_put_refuses_roles_a_grant_cannot_give(role, pm_client, org, project):
    response = pm_client.put(
        f"/api/Projects/{project.pk}/members/{member(org).pk}", {"role": role}, format="json"
    )

    assert set(assert_problem(response, 400)["errors"]) == {"role"}


def test_put_for_an_unknown_user_is_a_404(pm_client, project, other_admin):
    # A user of another organization is not disclosed either: guests come by e-mail.
    for user_id in ("00000000-0000-0000-0000-000000000000", other_admin.pk):
        response = pm_client.put(
            f"/api/Projects/{project.pk}/members/{user_id}", {"role": "Viewer"}, format="json"
        )
        assert_problem(response, 404)


def test_delete_removes_a_member_and_a_second_delete_is_a_400(pm_client, org, project):
    viewer = member(org, Role.VIEWER)
    grant(project, Role.DEVELOPER, user=viewer)
    url = f"/api/Projects/{project.pk}/members/{viewer.pk}"

    first = pm_client.delete(url)
    second = pm_client.delete(url)

    assert first.status_code == 204
    assert_problem(second, 400)
    assert project.role_for(viewer) == Role.VIEWER  # their organization role remains
    assert AuditEvent.objects.filter(event_type="USER_UNLINKED", project_id=project.pk).exists()


def test_members_lists_direct_grants_and_marks_guests(principals, client_for, project):
    response = client_for(principals["Viewer"]).get(f"/api/Projects/{project.pk}/members")

    rows = {
        row["userId"]: (row["role"], row["isGuest"], row["isCreator"]) for row in response.json()
    }
    assert rows == {
        str(project.created_by_id): ("ProjectManager", False, True),
        str(principals["elevated"].pk): ("ProjectManager", False, False),
        str(principals["guest"].pk): ("Viewer", True, False),
    }


# Measured on PostgreSQL: token, last-used update, memberships, project, grants, the list.
MEMBER_LIST_QUERIES = 6


@pytest.mark.parametrize("count", [2, 25])
def test_member_list_query_count_is_constant(
    count, users, client_for, org, project, django_assert_num_queries
):
    for _ in range(count):
        grant(project, Role.DEVELOPER, user=member(org, Role.VIEWER))
    client = client_for(users["Viewer"])

    with django_assert_num_queries(MEMBER_LIST_QUERIES):
        response = client.get(f"/api/Projects/{project.pk}/members")

    assert len(response.json()) == count + 1  # and the creator


# All users -------------------------------------------------------------------------------


def test_all_users_gives_the_reasons_and_the_effective_role(users, client_for, org, other_org):
    project = make_project(org, name="Private one", visibility=Visibility.PRIVATE)
    plain = member(org, Role.DEVELOPER)  # hidden: Private, no grant
    direct = member(org, Role.VIEWER)
    grant(project, Role.PROJECT_MANAGER, user=direct)
    in_group = member(org, Role.DEVELOPER)
    group = make_group(org, "Motion", users=[in_group])
    grant(project, Role.VIEWER, group=group.group)
    guest = member(other_org, Role.VIEWER)
    grant(project, Role.VIEWER, user=guest)

    response = client_for(users["OrganizationAdmin"]).get(f"/api/Projects/{project.pk}/all-users")

    by_user = {row["userId"]: row for row in response.json()}
    assert str(plain.pk) not in by_user
    assert str(users["Viewer"].pk) not in by_user
    assert by_user[str(users["OrganizationAdmin"].pk)]["reasons"] == [
        {"kind": "organization", "role": "OrganizationAdmin"}
    ]
    assert by_user[str(direct.pk)]["role"] == "ProjectManager"
    assert by_user[str(direct.pk)]["reasons"] == [
        {"kind": "organization", "role": "Viewer"},
        {"kind": "grant", "role": "ProjectManager"},
    ]
    assert by_user[str(in_group.pk)]["role"] == "Developer"  # the org role counts once visible
    assert by_user[str(in_group.pk)]["reasons"][1] == {
        "kind": "group",
        "role": "Viewer",
        "groupId": str(group.pk),
        "groupName": "Motion",
    }
    assert by_user[str(guest.pk)]["organizationRole"] is None
    assert by_user[str(guest.pk)]["reasons"] == [{"kind": "grant", "role": "Viewer"}]
    # The audience agrees with the one visibility rule.
    for row in response.json():
        assert Project.objects.get(pk=project.pk).role_for(User.objects.get(pk=row["userId"]))


def test_the_creator_is_a_member_with_the_reason_creator(users, client_for, org):
    """Seed 001: the creator of a project becomes a member of it. On a Private project the
    creator's access is their own (not the organization's)."""
    creator = member(org, Role.PROJECT_MANAGER)
    created = client_for(creator).post(
        "/api/Projects", {"name": "Mine", "visibility": "Private"}, format="json"
    )
    project_id = created.json()["id"]
    admin = client_for(users["OrganizationAdmin"])

    members = admin.get(f"/api/Projects/{project_id}/members").json()
    audience = admin.get(f"/api/Projects/{project_id}/all-users").json()

    assert [(row["userId"], row["role"], row["isCreator"]) for row in members] == [
        (str(creator.pk), "ProjectManager", True)
    ]
    [row] = [row for row in audience if row["userId"] == str(creator.pk)]
    assert row["reasons"] == [
        {"kind": "organization", "role": "ProjectManager"},
        {"kind": "grant", "role": "ProjectManager"},
        {"kind": "creator"},
    ]


# Measured: token, last-used, memberships, project, grants (role check), then memberships of
# the organization, direct grants, group grants, the groups' users.
ALL_USERS_QUERIES = 9


@pytest.mark.parametrize("count", [2, 20])
def test_all_users_query_count_is_constant(
    count, users, client_for, org, project, django_assert_num_queries
):
    group = make_group(org, "Many")
    grant(project, Role.DEVELOPER, group=group.group)
    for _ in range(count):
        grant(project, Role.DEVELOPER, user=member(org, Role.VIEWER))
        group.group.user_set.add(member(org, Role.VIEWER))
    client = client_for(users["Viewer"])

    with django_assert_num_queries(ALL_USERS_QUERIES):
        response = client.get(f"/api/Projects/{project.pk}/all-users")

    assert len(response.json()) >= 2 * count


# User groups -----------------------------------------------------------------------------


def test_a_group_is_created_with_a_unique_name_per_organization(users, client_for, org):
    client = client_for(users["OrganizationAdmin"])
    url = f"/api/Organizations/{org.pk}/user-groups"

    created = client.post(url, {"name": "Designers"}, format="json")
    clash = client.post(url, {"name": "designers"}, format="json")

    assert created.status_code == 201
    assert created.json()["members"] == []
    assert_problem(clash, 409, "conflict")
    assert UserGroup.objects.count() == 1


def test_only_members_of_the_organization_join_a_group(users, client_for, org, other_admin):
    group = make_group(org)
    client = client_for(users["OrganizationAdmin"])
    base = f"/api/Organizations/{org.pk}/user-groups/{group.pk}/members"

    outsider = client.put(f"{base}/{other_admin.pk}")
    insider = client.put(f"{base}/{users['Viewer'].pk}")
    removed = client.delete(f"{base}/{users['Viewer'].pk}")
    again = client.delete(f"{base}/{users['Viewer'].pk}")

    assert_problem(outsider, 400)
    assert [m["id"] for m in insider.json()["members"]] == [str(users["Viewer"].pk)]
    assert removed.json()["members"] == []
    assert_problem(again, 400)


def test_a_group_grant_elevates_its_members(users, client_for, org, project):
    viewer = users["Viewer"]
    group = make_group(org, "Leads", users=[viewer])
    client = client_for(viewer)
    before = client.patch(f"/api/Projects/{project.pk}", {"description": "x"}, format="json")

    linked = client_for(users["ProjectManager"]).put(
        f"/api/Projects/{project.pk}/user-groups/{group.pk}",
        {"role": "ProjectManager"},
        format="json",
    )
    after = client.patch(f"/api/Projects/{project.pk}", {"description": "x"}, format="json")

    assert_problem(before, 403)
    assert linked.json() == {"groupId": str(group.pk), "name": "Leads", "role": "ProjectManager"}
    assert after.status_code == 200
    assert AuditEvent.objects.filter(event_type="GROUP_LINKED", project_id=project.pk).exists()


def test_a_group_grant_shows_a_private_project(users, client_for, org):
    project = make_project(org, name="Hidden", visibility=Visibility.PRIVATE)
    viewer = users["Viewer"]
    group = make_group(org, "Leads", users=[viewer])
    grant(project, Role.VIEWER, group=group.group)

    ids = [p["id"] for p in client_for(viewer).get("/api/Projects").json()["items"]]

    assert str(project.pk) in ids


def test_linking_twice_or_unlinking_an_unlinked_group_is_a_400(pm_client, org, project):
    group = make_group(org)
    url = f"/api/Projects/{project.pk}/user-groups/{group.pk}"

    pm_client.put(url, {"role": "Viewer"}, format="json")
    twice = pm_client.put(url, {"role": "Viewer"}, format="json")
    unlinked = pm_client.delete(url)
    again = pm_client.delete(url)

    assert_problem(twice, 400)
    assert unlinked.status_code == 204
    assert_problem(again, 400)
    assert AuditEvent.objects.filter(event_type="GROUP_UNLINKED").exists()


def test_a_group_of_another_organization_is_a_404(pm_client, other_org, project):
    foreign = make_group(other_org, "Theirs")

    response = pm_client.put(
        f"/api/Projects/{project.pk}/user-groups/{foreign.pk}", {"role": "Viewer"}, format="json"
    )

    assert_problem(response, 404)


def test_deleting_a_group_removes_its_grants(users, client_for, org):
    project = make_project(org, name="Hidden", visibility=Visibility.PRIVATE)
    viewer = users["Viewer"]
    group = make_group(org, "Leads", users=[viewer])
    grant(project, Role.VIEWER, group=group.group)

    response = client_for(users["OrganizationAdmin"]).delete(
        f"/api/Organizations/{org.pk}/user-groups/{group.pk}"
    )

    assert response.status_code == 204
    assert project.role_for(viewer) is None


# Guests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["Viewer", "guest"])
def test_inviting_someone_who_has_access_is_a_400(who, principals, pm_client, project):
    response = pm_client.post(
        f"/api/Projects/{project.pk}/guests", {"email": principals[who].email}, format="json"
    )

    assert set(assert_problem(response, 400)["errors"]) == {"email"}


def test_a_guest_cannot_manage_the_project(principals, client_for, project):
    client = client_for(principals["guest"])

    response = client.post(
        f"/api/Projects/{project.pk}/guests", {"email": "x@y.example"}, format="json"
    )

    assert_problem(response, 403)


# Visibility ------------------------------------------------------------------------------


def test_private_hides_the_project_from_plain_members_and_public_shows_it(
    pm_client, users, client_for, project
):
    viewer = client_for(users["Viewer"])
    admin = client_for(users["OrganizationAdmin"])

    private = pm_client.post(f"/api/Projects/{project.pk}/private")
    hidden = viewer.get(f"/api/Projects/{project.pk}")
    hidden_from_pm = pm_client.post(f"/api/Projects/{project.pk}/public")  # not the creator
    public = admin.post(f"/api/Projects/{project.pk}/public")
    shown = viewer.get(f"/api/Projects/{project.pk}")

    assert private.json()["visibility"] == "Private"
    assert_problem(hidden, 404)
    assert_problem(hidden_from_pm, 404)
    assert public.json()["visibility"] == "Organization"
    assert shown.status_code == 200
    events = AuditEvent.objects.filter(event_type="VISIBILITY_CHANGED").order_by("created_at")
    assert [e.changes["visibility"] for e in events] == [
        {"before": "Organization", "after": "Private"},
        {"before": "Private", "after": "Organization"},
    ]


def test_setting_the_current_visibility_records_nothing(pm_client, project):
    response = pm_client.post(f"/api/Projects/{project.pk}/public")

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(event_type="VISIBILITY_CHANGED").exists()
