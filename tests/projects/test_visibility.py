"""Who sees which project (SPEC §3 per-project grants, §4 visibility): the list and the
detail always agree, and an invisible project is a 404 exactly like a missing one."""

import pytest
from django.contrib.auth.models import Group

from backoffice.actors import Actor
from backoffice.models import Membership
from backoffice.roles import Role
from backoffice.services import member_deactivate
from projects.constants import Visibility
from projects.models import Project
from projects.services import project_grant_remove, project_grant_set
from tests.backoffice.factories import OrganizationFactory, UserFactory, member
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def grant(project: Project, role: Role, **principal) -> None:
    admin = member(project.organization, Role.ORGANIZATION_ADMIN)
    project_grant_set(actor=Actor.for_user(admin), project=project, role=role, **principal)


def sees(client, project: Project, query: str = "") -> bool:
    """Whether the project is in the caller's list, checked against the detail."""
    response = client.get(f"/api/Projects?limit=200{query}")
    assert response.status_code == 200, response.content
    listed = str(project.pk) in {item["id"] for item in response.json()["items"]}
    detail = client.get(f"/api/Projects/{project.pk}")
    assert detail.status_code == (200 if listed else 404), (listed, detail.content)
    if not listed:
        assert detail.json()["code"] == "not_found"
    return listed


@pytest.fixture
def private(org):
    return make_project(
        org, creator=member(org, Role.PROJECT_MANAGER), visibility=Visibility.PRIVATE
    )


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("Viewer", False),
        ("Developer", False),
        ("ProjectManager", False),
        ("OrganizationAdmin", True),
        ("Owner", True),
    ],
)
def test_a_private_project_is_seen_by_admins_only(role, visible, users, client_for, private):
    assert sees(client_for(users[role]), private) is visible


@pytest.mark.parametrize("role", ["Viewer", "Developer", "ProjectManager"])
def test_an_organization_project_is_seen_by_every_member(role, org, users, client_for):
    project = make_project(org)

    assert sees(client_for(users[role]), project)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DEVELOPER, Role.PROJECT_MANAGER])
def test_the_creator_sees_their_private_project(role, org, client_for):
    creator = member(org, role)
    project = make_project(org, creator=creator, visibility=Visibility.PRIVATE)

    assert sees(client_for(creator), project)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DEVELOPER, Role.PROJECT_MANAGER])
def test_a_direct_grant_shows_a_private_project(role, users, client_for, private):
    grant(private, role, user=users["Viewer"])

    assert sees(client_for(users["Viewer"]), private)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PROJECT_MANAGER])
def test_a_group_grant_shows_a_private_project(role, users, client_for, private):
    group = Group.objects.create(name="Cards team")
    users["Developer"].groups.add(group)
    grant(private, role, group=group)

    assert sees(client_for(users["Developer"]), private)
    assert not sees(client_for(users["Viewer"]), private)  # not in the group


def test_a_group_grant_gives_its_role(users, client_for, private):
    group = Group.objects.create(name="Cards team")
    users["Viewer"].groups.add(group)
    grant(private, Role.PROJECT_MANAGER, group=group)

    response = client_for(users["Viewer"]).patch(
        f"/api/Projects/{private.pk}", {"description": "By the group"}, format="json"
    )

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("org_role", "status"), [("ProjectManager", 200), ("Developer", 403)])
def test_on_a_private_project_a_grant_adds_to_the_org_role(
    org_role, status, users, client_for, private
):
    # A Viewer grant makes the project visible; the role is the higher of it and the org role.
    grant(private, Role.VIEWER, user=users[org_role])

    response = client_for(users[org_role]).patch(
        f"/api/Projects/{private.pk}", {"name": "Renamed"}, format="json"
    )

    assert response.status_code == status, response.content


def test_a_grant_on_an_organization_project_cannot_lower_the_org_role(org, users, client_for):
    project = make_project(org)
    grant(project, Role.VIEWER, user=users["ProjectManager"])

    response = client_for(users["ProjectManager"]).post(f"/api/Projects/{project.pk}/activate")

    assert response.status_code == 200, response.content


def test_a_removed_grant_hides_the_project_again(users, client_for, private):
    viewer = users["Viewer"]
    grant(private, Role.VIEWER, user=viewer)
    admin = users["OrganizationAdmin"]

    project_grant_remove(actor=Actor.for_user(admin), project=private, user=viewer)

    assert not sees(client_for(viewer), private)


def test_the_owner_sees_every_organizations_projects(users, org, other_org, client_for):
    ours = make_project(org, visibility=Visibility.PRIVATE)
    theirs = make_project(other_org, visibility=Visibility.PRIVATE)
    owner = client_for(users["Owner"])

    assert sees(owner, ours)
    assert sees(owner, theirs)


def test_another_organizations_admin_sees_nothing_of_ours(org, other_admin, client_for):
    project = make_project(org)

    assert not sees(client_for(other_admin), project)


def test_a_guest_sees_only_the_granted_project(org, other_org, client_for):
    guest = member(other_org, Role.ORGANIZATION_ADMIN)
    granted = make_project(org, name="Granted", visibility=Visibility.PRIVATE)
    other = make_project(org, name="Not granted")
    grant(granted, Role.VIEWER, user=guest)
    client = client_for(guest)

    assert sees(client, granted)
    assert not sees(client, other)
    assert client.get(f"/api/Projects/{granted.pk}").json()["ownership"] == "External"


# Deactivated members ---------------------------------------------------------------------


@pytest.fixture
def deactivated(org, other_org, users):
    """A Viewer of ``org`` whose membership there is deactivated; still active elsewhere,
    so they can still authenticate."""
    viewer = users["Viewer"]
    Membership.objects.create(user=viewer, organization=other_org, role=Role.VIEWER)
    member_deactivate(
        actor=Actor.for_user(users["OrganizationAdmin"]),
        membership=Membership.objects.get(user=viewer, organization=org),
    )
    return viewer


def test_a_deactivated_member_sees_no_project_of_that_organization(
    org, other_org, deactivated, client_for
):
    open_project = make_project(org, name="Open")
    own = make_project(org, name="Theirs", creator=deactivated, visibility=Visibility.PRIVATE)
    elsewhere = make_project(other_org, name="Elsewhere")
    client = client_for(deactivated)

    assert not sees(client, open_project)
    assert not sees(client, own)
    assert sees(client, elsewhere)


def test_a_deactivated_member_loses_their_grants_in_that_organization(org, deactivated, client_for):
    project = make_project(org, visibility=Visibility.PRIVATE)
    grant(project, Role.PROJECT_MANAGER, user=deactivated)
    client = client_for(deactivated)

    assert not sees(client, project)
    response = client.patch(f"/api/Projects/{project.pk}", {"name": "x"}, format="json")
    assert response.status_code == 404


def test_a_deactivated_member_cannot_name_that_organization(org, deactivated, client_for):
    response = client_for(deactivated).get(f"/api/Projects?organizationId={org.pk}")

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_role"


# Active organization ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["parameter", "header"])
def test_naming_another_organization_is_forbidden(how, other_org, users, client_for):
    client = client_for(users["OrganizationAdmin"])

    if how == "parameter":
        response = client.get(f"/api/Projects?organizationId={other_org.pk}")
    else:
        response = client.get("/api/Projects", HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=str(other_org.pk))

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_role"


@pytest.mark.parametrize("how", ["parameter", "header"])
def test_naming_the_organization_narrows_the_list_to_it(how, org, other_org, client_for, users):
    # A member of both organizations, who is also a guest on a third organization's project.
    user = users["ProjectManager"]
    Membership.objects.create(user=user, organization=other_org, role=Role.VIEWER)
    ours = make_project(org, name="Ours")
    theirs = make_project(other_org, name="Theirs")
    guest_of = make_project(OrganizationFactory(), name="As a guest")
    grant(guest_of, Role.VIEWER, user=user)
    client = client_for(user)

    everything = {item["id"] for item in client.get("/api/Projects").json()["items"]}
    if how == "parameter":
        response = client.get(f"/api/Projects?organizationId={org.pk}")
    else:
        response = client.get("/api/Projects", HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=str(org.pk))

    assert everything == {str(ours.pk), str(theirs.pk), str(guest_of.pk)}
    assert [item["id"] for item in response.json()["items"]] == [str(ours.pk)]
    assert response.json()["total"] == 1


def test_the_owner_can_narrow_to_any_organization(org, other_org, users, client_for):
    ours = make_project(org, name="Ours")
    make_project(other_org, name="Theirs")

    response = client_for(users["Owner"]).get(f"/api/Projects?organizationId={org.pk}")

    assert [item["id"] for item in response.json()["items"]] == [str(ours.pk)]


def _mixed_visibility(org, other_org, users, deactivated) -> list:
    """Projects seen by role, by grant, by group, twice over, or not at all; the users."""
    creator = users["ProjectManager"]
    guest = member(other_org, Role.VIEWER)
    in_group = member(other_org, Role.VIEWER)
    group = Group.objects.create(name="Campaigns")
    in_group.groups.add(group)
    make_project(org, name="Open")
    make_project(org, name="Open and granted")
    own_private = make_project(org, name="Own", creator=creator, visibility=Visibility.PRIVATE)
    for n in range(3):
        private = make_project(org, name=f"Private {n}", visibility=Visibility.PRIVATE)
        grant(private, Role.VIEWER, user=guest)
        grant(private, Role.VIEWER, user=creator)
        grant(private, Role.VIEWER, user=deactivated)
        grant(private, Role.VIEWER, group=group)
    open_granted = Project.objects.get(name="Open and granted")
    grant(open_granted, Role.VIEWER, user=guest)
    grant(open_granted, Role.VIEWER, user=users["Viewer"])  # deactivated there: invisible
    grant(own_private, Role.VIEWER, user=creator)  # seen twice over: counted once
    make_project(other_org, name="Elsewhere")

    outsider = UserFactory()  # no organization at all: sees its grant only
    grant(open_granted, Role.VIEWER, user=outsider)
    return [guest, in_group, creator, deactivated, outsider, users["OrganizationAdmin"]]


@pytest.mark.parametrize("cap", [1, 2, 3, 4, 5, 100])
def test_the_capped_count_counts_exactly_the_visible_projects(
    cap, org, other_org, users, deactivated
):
    """``count_capped`` counts the organization part and the grants part separately (the
    grants only up to what the first part leaves to the cap); they must add up to the
    visible projects, each once, whatever the cap."""
    for user in _mixed_visibility(org, other_org, users, deactivated):
        visible = Project.objects.live().visible_to(user)
        expected = len({project.pk for project in visible})
        counted = visible.count_capped(cap)
        assert counted == expected if expected <= cap else counted > cap, (user, expected)


def test_a_deep_page_taken_apart_lists_the_rows_the_index_walk_lists(
    org, other_org, users, deactivated, monkeypatch
):
    """Past ``DEEP_OFFSET`` a split visibility pages by ``page_keys`` (each part's newest
    rows, merged): every offset gives the rows, in the order, of the plain walk."""
    from projects import querysets

    for n in range(4):
        make_project(other_org, name=f"Theirs {n}")
    users_ = _mixed_visibility(org, other_org, users, deactivated)
    monkeypatch.setattr(querysets, "DEEP_OFFSET", 1)
    for user in users_:
        visible = Project.objects.live().visible_to(user)
        walk = list(visible.values_list("pk", flat=True))
        for offset in range(1, len(walk) + 1):
            for limit in (1, 2, 30):
                keys = visible.page_keys(offset, limit)
                expected = walk[offset : offset + limit]
                if keys is None:  # not split (e.g. an organization admin): paged as usual
                    continue
                page = list(visible.filter(pk__in=keys).values_list("pk", flat=True))
                assert page == expected, (user, offset, limit)


def test_a_guest_s_deep_page_through_the_api(org, other_org, users, client_for, monkeypatch):
    from projects import querysets

    guest = member(other_org, Role.VIEWER)
    mine = [make_project(other_org, name=f"Ours {n}") for n in range(3)]
    granted = [make_project(org, name=f"Granted {n}") for n in range(3)]
    for project in granted:
        grant(project, Role.VIEWER, user=guest)
    newest_first = [str(p.pk) for p in sorted(mine + granted, key=lambda p: (p.created_at, p.pk))]
    newest_first.reverse()
    monkeypatch.setattr(querysets, "DEEP_OFFSET", 1)

    response = client_for(guest).get("/api/Projects?offset=2&limit=3")

    body = response.json()
    assert [item["id"] for item in body["items"]] == newest_first[2:5]
    assert body["total"] == 6


def test_the_split_parts_leave_the_whole_rule_out(org, other_org):
    """Each part is one half of the rule: the rule's ``EXISTS`` is not tested again on rows
    the part already knows granted (the other filters stay)."""
    guest = member(other_org, Role.VIEWER)
    grant(make_project(org, name="Granted"), Role.VIEWER, user=guest)
    visible = Project.objects.live().visible_to(guest).filter(status="Draft")

    base = str(visible._without_rule().query)

    assert "EXISTS" in str(visible.query)
    assert "EXISTS" not in base
    assert "trashed_at" in base
    assert "status" in base
