"""The staff admin in a real browser: log in, find a project, act on it through a service."""

import pytest

from backoffice.models import AuditEvent
from projects.models import Project
from tests.backoffice.factories import PASSWORD, UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_activates_a_project_from_the_changelist(live_server, page, org):
    owner = UserFactory(email="owner@example.com", is_superuser=True, is_staff=True)
    project = make_project(org, name="Crédito Pre-Aprobado Q2")

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/projects/project/?q=credito")
    row = page.locator("#result_list tbody tr", has_text="Crédito Pre-Aprobado Q2")
    assert row.locator("td.field-status_badge").inner_text() == "Draft"
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "activate")
    page.click("button[name=index]")

    assert "Activated 1 project(s)." in page.locator("ul.messagelist").inner_text()
    project.refresh_from_db()
    assert project.status == "Active"
    event = AuditEvent.objects.get(project_id=project.pk, event_type="PROJECT_ACTIVATED")
    assert event.actor_user == owner
    assert Project.objects.get(pk=project.pk).status == "Active"


def test_a_refused_action_shows_its_reason(live_server, page, org, users):
    project = make_project(org, name="Already live")
    from backoffice.actors import Actor
    from projects.services import project_archive

    project_archive(actor=Actor.system("tests"), project=project)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", users["Owner"].email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/projects/project/")
    page.locator("#result_list tbody tr", has_text="Already live").locator(
        "input.action-select"
    ).check()
    page.select_option("select[name=action]", "activate")
    page.click("button[name=index]")

    assert "can't become Active" in page.locator("ul.messagelist").inner_text()
