"""Sub-projects (SPEC §10): list and create children, assign and unassign, no cycles, one
organization only, the role matrix, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from projects.models import Project
from projects.services import project_assign
from projects.tree import ancestor_ids, descendant_ids
from tests.conftest import PRINCIPALS
from tests.projects.factories import make_project
from tests.projects.test_api import assert_problem

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def chain(org, depth: int) -> list[Project]:
    """``depth`` projects, each the child of the one before."""
    projects = [make_project(org, name="Level 0")]
    for level in range(1, depth):
        child = make_project(org, name=f"Level {level}")
        child = project_assign(actor=SYSTEM, project=child, parent=projects[-1])
        projects.append(child)
    return projects


def test_assign_makes_a_sub_project_and_records_the_event(users, client_for, org):
    parent, child = make_project(org, name="Parent"), make_project(org, name="Child")
    client = client_for(users["ProjectManager"])
    response = client.post(f"/api/Projects/{child.pk}/assign", {"parentId": str(parent.pk)})
    assert response.status_code == 200, response.content
    assert response.json()["parentId"] == str(parent.pk)
    event = AuditEvent.objects.get(event_type="PROJECT_ASSIGNED", project_id=child.pk)
    assert event.changes == {"parentId": {"before": None, "after": str(parent.pk)}}


def test_a_project_cannot_be_its_own_parent(users, client_for, org):
    project = make_project(org)
    response = client_for(users["ProjectManager"]).post(
        f"/api/Projects/{project.pk}/assign", {"parentId": str(project.pk)}
    )
    body = assert_problem(response, 400, "invalid_request")
    assert "parentId" in body["errors"]


@pytest.mark.parametrize("depth", [2, 3, 6])
def test_a_project_cannot_become_the_child_of_a_descendant(users, client_for, org, depth):
    projects = chain(org, depth)
    response = client_for(users["ProjectManager"]).post(
        f"/api/Projects/{projects[0].pk}/assign", {"parentId": str(projects[-1].pk)}
    )
    assert_problem(response, 400, "invalid_request")
    assert Project.objects.get(pk=projects[0].pk).parent_id is None


def test_cross_organization_assign_is_refused(users, client_for, org, other_org):
    mine, theirs = make_project(org), make_project(other_org)
    # The Owner sees both organizations: the refusal is the rule, not invisibility.
    response = client_for(users["Owner"]).post(
        f"/api/Projects/{mine.pk}/assign", {"parentId": str(theirs.pk)}
    )
    body = assert_problem(response, 400, "invalid_request")
    assert "parentId" in body["errors"]
    # An org admin doesn't even see the other project: same 400, nothing disclosed.
    response = client_for(users["OrganizationAdmin"]).post(
        f"/api/Projects/{mine.pk}/assign", {"parentId": str(theirs.pk)}
    )
    assert_problem(response, 400, "invalid_request")


def test_assign_to_a_trashed_parent_is_refused(users, client_for, org):
    from projects.services import project_trash

    parent, child = make_project(org, name="Parent"), make_project(org, name="Child")
    project_trash(actor=SYSTEM, project=parent)
    response = client_for(users["ProjectManager"]).post(
        f"/api/Projects/{child.pk}/assign", {"parentId": str(parent.pk)}
    )
    assert_problem(response, 400, "invalid_request")


def test_an_archived_parent_gains_no_sub_project(users, client_for, org):
    from projects.services import project_archive

    parent, live = make_project(org, name="Archived parent"), make_project(org, name="Live")
    project_archive(actor=SYSTEM, project=parent)
    client = client_for(users["ProjectManager"])

    created = client.post(f"/api/Projects/{parent.pk}/subprojects", {"name": "Under archived"})
    body = assert_problem(created, 409, "conflict")
    assert "archived" in body["detail"]
    assigned = client.post(f"/api/Projects/{live.pk}/assign", {"parentId": str(parent.pk)})
    assert_problem(assigned, 409, "conflict")

    assert not Project.objects.filter(name="Under archived").exists()
    assert not Project.objects.filter(parent=parent).exists()
    assert not AuditEvent.objects.filter(event_type="PROJECT_ASSIGNED").exists()


def test_the_service_refuses_an_archived_parent_for_every_caller(org):
    from backoffice.errors import Conflict
    from projects.services import project_archive, project_create_child

    parent, live = make_project(org, name="Archived parent"), make_project(org, name="Live")
    project_archive(actor=SYSTEM, project=parent)
    with pytest.raises(Conflict):
        project_assign(actor=SYSTEM, project=live, parent=parent)
    with pytest.raises(Conflict):
        project_create_child(actor=SYSTEM, parent=parent, name="Under archived")
    assert not Project.objects.filter(parent=parent).exists()


def test_unassign_detaches_and_refuses_a_top_level_project(users, client_for, org):
    _parent, child = chain(org, 2)
    client = client_for(users["ProjectManager"])
    response = client.post(f"/api/Projects/{child.pk}/unassign")
    assert response.status_code == 200, response.content
    assert response.json()["parentId"] is None
    assert AuditEvent.objects.filter(event_type="PROJECT_UNASSIGNED", project_id=child.pk).exists()
    assert_problem(client.post(f"/api/Projects/{child.pk}/unassign"), 400, "invalid_request")


def test_create_sub_project_in_the_parent_organization(users, client_for, org):
    parent = make_project(org, name="Parent")
    response = client_for(users["ProjectManager"]).post(
        f"/api/Projects/{parent.pk}/subprojects", {"name": "Child campaign", "tags": ["Q3"]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parentId"] == str(parent.pk)
    assert body["organizationId"] == str(org.pk)
    assert body["tags"] == ["q3"]


def test_list_sub_projects_shows_live_children_only(users, client_for, org):
    from projects.services import project_trash

    parent = make_project(org, name="Parent")
    kids = [make_project(org, name=f"Kid {n}") for n in range(3)]
    for kid in kids:
        project_assign(actor=SYSTEM, project=kid, parent=parent)
    project_trash(actor=SYSTEM, project=kids[0])
    make_project(org, name="Unrelated")
    response = client_for(users["Viewer"]).get(f"/api/Projects/{parent.pk}/subprojects")
    assert response.status_code == 200
    body = response.json()
    assert {item["id"] for item in body["items"]} == {str(kids[1].pk), str(kids[2].pk)}
    assert body["total"] == 2


def test_sub_project_list_runs_a_constant_number_of_queries(users, client_for, org):
    parent = make_project(org, name="Parent")
    client = client_for(users["Viewer"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/Projects/{parent.pk}/subprojects").status_code == 200
        return len(queries)

    kid = make_project(org, name="Kid")
    project_assign(actor=SYSTEM, project=kid, parent=parent)
    count()  # the first request also records the token's last use
    few = count()
    for n in range(8):
        kid = make_project(org, name=f"More {n}")
        project_assign(actor=SYSTEM, project=kid, parent=parent)
    assert count() == few


def test_tree_walks_are_one_query_on_postgresql(org):
    projects = chain(org, 12)
    with CaptureQueriesContext(connection) as queries:
        below = descendant_ids(projects[0])
        above = ancestor_ids(projects[-1])
    assert set(below) == {p.pk for p in projects[1:]}
    assert above == [p.pk for p in reversed(projects[:-1])]
    if connection.vendor == "postgresql":
        assert len(queries) == 2


def test_assign_needs_edit_rights_on_the_parent(users, client_for, org):
    from projects.constants import Visibility
    from projects.services import project_grant_set

    admin = users["OrganizationAdmin"]
    parent = make_project(org, name="Parent", visibility=Visibility.ORGANIZATION)
    child = make_project(org, name="Child")
    viewer = users["Viewer"]
    project_grant_set(
        actor=Actor.for_user(admin), project=child, role=Role.PROJECT_MANAGER, user=viewer
    )
    response = client_for(viewer).post(
        f"/api/Projects/{child.pk}/assign", {"parentId": str(parent.pk)}
    )
    assert_problem(response, 403, "insufficient_role")


# Role matrix -------------------------------------------------------------------------------

#                 Viewer Dev  PM  Admin Owner other anon
MATRIX = {
    "list": (200, 200, 200, 200, 200, 404, 401),
    "create": (403, 403, 201, 201, 201, 404, 401),
    "assign": (403, 403, 200, 200, 200, 404, 401),
    "unassign": (403, 403, 200, 200, 200, 404, 401),
}


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix(client_as, org, endpoint, who):
    parent, child = make_project(org, name="Parent"), make_project(org, name="Child")
    if endpoint == "unassign":
        project_assign(actor=SYSTEM, project=child, parent=parent)
    client = client_as(who)
    method, path, data = {
        "list": ("get", f"/api/Projects/{parent.pk}/subprojects", None),
        "create": ("post", f"/api/Projects/{parent.pk}/subprojects", {"name": "Kid"}),
        "assign": ("post", f"/api/Projects/{child.pk}/assign", {"parentId": str(parent.pk)}),
        "unassign": ("post", f"/api/Projects/{child.pk}/unassign", None),
    }[endpoint]
    response = getattr(client, method)(path, data, format="json")
    expected = MATRIX[endpoint][PRINCIPALS.index(who)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        code = {401: "unauthenticated", 403: "insufficient_role", 404: "not_found"}[expected]
        assert_problem(response, expected, code)
