"""The audit trail as people read it: the list and an event's page name the channel and the
template, in full, in words."""

import pytest

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.services import user_grant_model_permissions, user_update_profile
from projects.services import project_activate
from shares.services import channel_publish
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db

LIST = "/admin/backoffice/auditevent/"


@pytest.fixture
def admin_client(users, client):
    """The organization admin, signed in to the admin (staff, as the demo's admin is)."""
    admin = users["OrganizationAdmin"]
    system = Actor.system("tests")
    user_update_profile(actor=system, user=admin, is_staff=True)
    user_grant_model_permissions(actor=system, user=admin, app_labels=["backoffice"])
    client.force_login(admin)
    return client


@pytest.fixture
def published(org, users):
    actor = Actor.for_user(users["OrganizationAdmin"])
    project = make_project(org, name="Crédito Pre-Aprobado Q2")
    project_activate(actor=actor, project=project)
    template = make_template(project, name="Bienvenida persona", version="1.0")
    channel_publish(actor=actor, project=project, channel="PROD", template_id=template.pk)
    return AuditEvent.objects.get(event_type="CHANNEL_PUBLISHED")


def test_list_names_the_channel_and_the_template_uncut(published, admin_client):
    client = admin_client

    page = client.get(LIST).content.decode()

    row = page[page.index("Channel published") :]
    row = row[: row.index("</tr>")]
    assert "PROD channel" in row
    assert "template Bienvenida persona 1.0" in row
    assert "truncate" not in row  # names wrap between words, never cut


def test_event_page_names_the_channel_and_the_template_in_full(published, admin_client):
    client = admin_client

    page = client.get(f"{LIST}{published.pk}/change/").content.decode()

    assert "PROD channel" in page
    assert "template Bienvenida persona 1.0" in page
    assert "truncate" not in page


def test_a_long_url_is_cut_in_the_list_only(org, admin_client):
    client = admin_client
    url = "https://hooks.example.com/" + "x" * 80
    event = AuditEvent.objects.create(
        event_type="WEBHOOK_CREATED",
        organization=org,
        actor_kind="SYSTEM",
        actor_label="tests",
        targets=[{"type": "webhookendpoint", "id": "1", "label": url}],
    )

    listed = client.get(LIST).content.decode()
    shown = client.get(f"{LIST}{event.pk}/change/").content.decode()

    assert f'class="truncate" title="{url}"' in listed
    assert url in shown
    assert "truncate" not in shown


def _filter_panel(page: str) -> str:
    return page[page.index('id="changelist-filter"') :]


def test_filter_panel_offers_the_projects_and_people_of_the_trail(org, users, admin_client):
    actor = Actor.for_user(users["ProjectManager"])
    project = make_project(org, name="Hipotecario Preferente")
    project_activate(actor=actor, project=project)

    panel = _filter_panel(admin_client.get(LIST).content.decode())

    assert "By project" in panel
    assert "By person who acted" in panel
    assert f"?project={project.pk}" in panel
    assert "Hipotecario Preferente" in panel
    assert f"?actor={users['ProjectManager'].pk}" in panel
    pm = users["ProjectManager"]
    assert (pm.display_name or pm.email) in panel


def test_filter_choices_are_bounded_and_cost_the_same_queries(org, users, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice.admin import CHOICES_IN_FILTER

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(LIST).status_code == 200
        return len(captured)

    make_project(org, name="Project 0")
    few = queries()
    for number in range(1, CHOICES_IN_FILTER + 10):
        make_project(org, name=f"Project {number}")
    many = queries()

    panel = _filter_panel(admin_client.get(LIST).content.decode())
    assert panel.count("?project=") == CHOICES_IN_FILTER
    assert many == few


def test_the_chosen_project_is_shown_in_the_panel(org, users, admin_client):
    project = make_project(org, name="Campaña Navidad 2025")

    panel = _filter_panel(admin_client.get(f"{LIST}?project={project.pk}").content.decode())

    assert 'class="selected"' in panel[panel.index("By project") :]
    assert "Campaña Navidad 2025" in panel


# Values in words ---------------------------------------------------------------------------


def test_event_page_titles_the_event_in_words(users, client):
    from backoffice.services import token_create, token_revoke

    admin = users["OrganizationAdmin"]
    token = token_create(actor=Actor.for_user(admin), user=admin, name="laptop").token
    token_revoke(actor=Actor.for_user(admin), token=token)
    event = AuditEvent.objects.get(event_type="TOKEN_REVOKED")
    client.force_login(users["Owner"])  # a token's events belong to no organization

    page = client.get(f"{LIST}{event.pk}/change/").content.decode()

    assert f"Token revoked by {admin.display_name or admin.email}" in page
    assert "TOKEN_REVOKED by" not in page
    assert '<span class="before">Active</span> → Revoked' in page


def test_a_command_acts_in_words(org, admin_client):
    event = AuditEvent.objects.create(
        event_type="PROJECT_CREATED",
        organization=org,
        actor_kind="system",
        actor_label="command:load_demo_data",
    )

    page = admin_client.get(f"{LIST}{event.pk}/change/").content.decode()
    listed = admin_client.get(LIST).content.decode()

    assert "Project created by the load_demo_data command" in page
    assert "command:load_demo_data" not in page
    assert "load_demo_data</code> command" in listed


def test_history_shows_labels_and_leaves_out_empty_fields(org, users, client):
    project = make_project(org, name="Bienvenida")
    template = make_template(project)
    client.force_login(users["Owner"])

    history = client.get(f"/admin/video_templates/template/{template.pk}/history/").content.decode()
    project_history = client.get(f"/admin/projects/project/{project.pk}/history/").content.decode()

    assert "Lottie Standalone" in history
    assert "LottieStandalone" not in history
    for page in (history, project_history):
        assert "nothing" not in page
        assert "— → —" not in page
        assert "api credential id" not in page


def test_membership_captions_and_labels_use_words(org, users, client):
    client.force_login(users["Owner"])
    admin = users["OrganizationAdmin"]

    org_page = client.get(f"/admin/backoffice/organization/{org.pk}/change/").content.decode()
    user_page = client.get(f"/admin/backoffice/user/{admin.pk}/change/").content.decode()
    templates = client.get("/admin/video_templates/template/").content.decode()

    assert "as Organization admin" in org_page
    assert "as OrganizationAdmin" not in org_page + user_page
    assert "New membership" not in user_page
    assert "New member" not in org_page
    assert "By was production" not in templates
    assert "By ever in Production" in templates


# A user's page --------------------------------------------------------------------------


def test_an_organization_admin_reads_a_summary_not_permissions_or_hashes(org, users, admin_client):
    admin = users["OrganizationAdmin"]

    page = admin_client.get(f"/admin/backoffice/user/{admin.pk}/change/").content.decode()

    assert "Can add" not in page
    assert 'name="user_permissions"' not in page
    assert 'name="groups"' not in page
    assert "algorithm" not in page
    assert "salt" not in page
    assert "Organization admin in Banco Andino" in page


def test_an_organization_admin_still_saves_their_own_page(org, users, admin_client):
    admin = users["OrganizationAdmin"]
    url = f"/admin/backoffice/user/{admin.pk}/change/"
    membership = admin.memberships.get()
    form = {
        "email": admin.email,
        "display_name": "Ana Administradora",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(membership.pk),
        "memberships-0-user": str(admin.pk),
        "memberships-0-role": membership.role,
        "memberships-2-TOTAL_FORMS": "0",
        "memberships-2-INITIAL_FORMS": "0",
    }

    response = admin_client.post(url, form)

    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line
    ]
    admin.refresh_from_db()
    assert admin.display_name == "Ana Administradora"


def test_the_owner_still_manages_permissions(users, client):
    client.force_login(users["Owner"])

    page = client.get(f"/admin/backoffice/user/{users['Viewer'].pk}/change/").content.decode()

    assert 'name="user_permissions"' in page
    assert "algorithm" in page  # the hash's details, for the Owner only


# One date format ---------------------------------------------------------------------------


def test_lists_and_pages_show_dates_in_one_format(org, admin_client):
    from datetime import UTC, datetime

    event = AuditEvent.objects.create(
        event_type="PROJECT_CREATED", organization=org, actor_kind="system", actor_label="tests"
    )
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=datetime(2026, 12, 1, 18, 31, tzinfo=UTC)
    )

    listed = admin_client.get(LIST).content.decode()
    shown = admin_client.get(f"{LIST}{event.pk}/change/").content.decode()

    for page in (listed, shown):
        assert "12/01/2026" not in page
    assert (
        '<span class="nowrap">Dec. 1, 2026,</span> <span class="nowrap">6:31 p.m. UTC</span>'
        in listed
    )
    assert "Dec. 1, 2026," in shown
