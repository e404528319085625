import pytest

from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def test_admin_changelist_and_actions_go_through_services(users, org, client):
    from backoffice.models import AuditEvent

    project = make_project(org, name="Admin Campaign")
    client.force_login(users["Owner"])
    assert client.get("/admin/projects/project/").status_code == 200
    assert client.get(f"/admin/projects/project/{project.pk}/change/").status_code == 200
    response = client.post(
        "/admin/projects/project/",
        {"action": "activate", "_selected_action": [str(project.pk)]},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "Active"
    assert AuditEvent.objects.filter(project_id=project.pk, event_type="PROJECT_ACTIVATED").exists()
