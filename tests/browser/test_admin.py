"""The staff admin in a real browser: log in, find a project, act on it through a service.
Every page runs under the default Content-Security-Policy: any violation fails the test."""

import pytest

from backoffice.models import AuditEvent
from projects.models import Project
from tests.backoffice.factories import PASSWORD, UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)

#: Reported by the page itself, beside what Chromium logs to the console.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(autouse=True)
def no_csp_violation(page):
    violations = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            ("Content Security Policy" in message.text or "CSP violation" in message.text)
            and violations.append(message.text)
        ),
    )
    yield violations
    assert violations == []


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


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

    assert "Activated 1 project." in page.locator("ul.messagelist").inner_text()
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

    assert "can't become active" in page.locator("ul.messagelist").inner_text()


def test_forms_with_widgets_run_under_the_policy(live_server, page, org, users):
    make_project(org, name="Seguro Auto")
    log_in(page, live_server, users["Owner"])

    page.goto(f"{live_server.url}/admin/projects/project/add/")
    page.locator("#project_form").wait_for()
    page.goto(f"{live_server.url}/admin/backoffice/user/")
    page.locator("#result_list").wait_for()
    page.click("#searchbar")  # the admin's scripts are loaded and running
    assert page.evaluate("typeof django !== 'undefined' && typeof django.jQuery") == "function"


def test_swagger_ui_renders_the_api_under_the_policy(live_server, page, db):
    response = page.goto(f"{live_server.url}/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    page.locator(".opblock").first.wait_for()  # the schema was fetched and rendered

    assert page.locator(".opblock").count() > 40
    assert "Percus Backoffice API" in page.locator(".info .title").inner_text()


#: The number of lines an element's text takes (a word broken across lines makes two).
LINES = "(element) => element.getClientRects().length"


def test_identifiers_stay_whole_in_lists(live_server, page, org, users):
    """A credential's key and a command's name never break mid-token in a list at 1440 px,
    even beside long names and a many-column list."""
    from backoffice.actors import Actor
    from credentials.services import credential_create

    project = make_project(org, name="Crédito Pre-Aprobado Q2 " + "Campaña " * 6)
    credential_create(actor=Actor.system("tests"), project=project, name="Integración CRM " * 3)
    AuditEvent.objects.create(
        event_type="PROJECT_CREATED",
        organization=org,
        project_id=project.pk,
        actor_kind="system",
        actor_label="command:load_demo_data",
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, users["Owner"])

    page.goto(f"{live_server.url}/admin/credentials/apicredential/")
    key = page.locator("#result_list th.field-key code, #result_list td.field-key code").first
    assert key.evaluate(LINES) == 1
    page.goto(f"{live_server.url}/admin/backoffice/auditevent/")
    command = page.locator("#result_list td.field-actor code", has_text="load_demo_data").first
    assert command.evaluate(LINES) == 1
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
