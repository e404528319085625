"""Staff who are not superusers work only on their own organizations in the admin."""

import pytest
from django.contrib.auth.models import Permission

from backoffice.roles import Role
from tests.backoffice.factories import member
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(org):
    """Staff with every model permission, member of ``org`` only."""
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def projects(org, other_org):
    return make_project(org, name="Ours"), make_project(other_org, name="Theirs")


def test_changelists_show_only_own_organizations(client, staff, projects, other_org):
    client.force_login(staff)
    page = client.get("/admin/projects/project/").content.decode()
    assert "Ours" in page
    assert "Theirs" not in page
    assert other_org.name not in page  # not even in the organization filter
    organizations = client.get("/admin/backoffice/organization/").content.decode()
    assert other_org.name not in organizations


def test_another_organizations_object_is_not_found(client, staff, projects):
    client.force_login(staff)
    response = client.get(f"/admin/projects/project/{projects[1].pk}/change/")
    assert response.status_code == 302  # the admin redirects away from a missing object
    assert "Theirs" not in client.get(response["Location"]).content.decode()


def test_autocomplete_and_choices_are_scoped(client, staff, org, other_org):
    client.force_login(staff)
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "projects",
            "model_name": "project",
            "field_name": "organization",
            "term": "",
        },
    )
    names = [result["text"] for result in response.json()["results"]]
    assert org.name in names
    assert other_org.name not in names
    add_page = client.get("/admin/projects/project/add/").content.decode()
    assert other_org.name not in add_page


def test_actions_cannot_reach_another_organization(client, staff, projects):
    client.force_login(staff)
    client.post(
        "/admin/projects/project/",
        {"action": "activate", "_selected_action": [str(projects[1].pk)]},
    )
    projects[1].refresh_from_db()
    assert projects[1].status == "Draft"


def test_superusers_see_every_organization(client, users, projects):
    client.force_login(users["Owner"])
    page = client.get("/admin/projects/project/").content.decode()
    assert "Ours" in page
    assert "Theirs" in page
