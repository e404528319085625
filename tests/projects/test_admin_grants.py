"""Project grants edited on the project's admin page go through the grant services."""

import pytest

from backoffice.models import AuditEvent
from projects.models import ProjectUserObjectPermission
from tests.admin_forms import change_form_data
from tests.backoffice.factories import UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

PREFIX = "user_grants"


@pytest.fixture
def project(org):
    return make_project(org, name="Grants Campaign")


def change_page(client, project):
    url = f"/admin/projects/project/{project.pk}/change/"
    return url, change_form_data(client.get(url).content.decode(), "project_form")


def test_a_grant_added_on_the_project_page_uses_the_service(client, users, project):
    guest = UserFactory(email="guest@partner.example")
    client.force_login(users["Owner"])
    url, data = change_page(client, project)
    data.update(
        {
            f"{PREFIX}-TOTAL_FORMS": "1",
            f"{PREFIX}-0-user": str(guest.pk),
            f"{PREFIX}-0-role": "Developer",
            f"{PREFIX}-0-content_object": str(project.pk),
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert project.role_for(guest) == "Developer"
    assert AuditEvent.objects.filter(project_id=project.pk, event_type="USER_LINKED").exists()


def test_changing_and_removing_a_grant(client, users, project):
    from backoffice.actors import Actor
    from projects.services import project_grant_set

    viewer = users["Viewer"]
    project_grant_set(actor=Actor.system("tests"), project=project, user=viewer, role="Viewer")
    client.force_login(users["Owner"])

    url, data = change_page(client, project)
    assert data[f"{PREFIX}-0-role"] == "Viewer"
    data[f"{PREFIX}-0-role"] = "ProjectManager"
    assert client.post(url, data).status_code == 302
    assert project.role_for(viewer) == "ProjectManager"
    assert ProjectUserObjectPermission.objects.filter(content_object=project).count() == 1

    url, data = change_page(client, project)
    data[f"{PREFIX}-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not ProjectUserObjectPermission.objects.filter(content_object=project).exists()
    assert AuditEvent.objects.filter(project_id=project.pk, event_type="USER_UNLINKED").exists()


def test_guardians_object_permission_pages_are_for_superusers_only(client, users, project):
    from django.contrib.auth.models import Permission

    client.force_login(users["Owner"])
    url = f"/admin/projects/project/{project.pk}/permissions/"
    assert client.get(url).status_code == 200

    staff = users["OrganizationAdmin"]
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.set(Permission.objects.all())
    client.force_login(staff)
    assert client.get(url).status_code == 403
