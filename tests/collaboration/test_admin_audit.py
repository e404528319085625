"""The audit trail in the admin, as a compliance officer reads it: each object's History page
lists its audit events in words, and the audit-event list filters and exports the API's CSV."""

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import ApiToken
from projects.services import project_activate, project_update
from shares.models import DistributionChannel
from shares.services import channel_publish
from tests.backoffice.factories import token_for
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(org):
    return project_activate(actor=Actor.system("tests"), project=make_project(org, name="Oro"))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_history_button_shows_the_objects_audit_events_in_words(owner_client, project, users):
    admin = users["OrganizationAdmin"]
    template = make_template(project, admin, name="Bienvenida")
    channel_publish(
        actor=Actor.for_user(admin), project=project, channel="PROD", template_id=template.pk
    )
    token_for(admin)
    token = ApiToken.objects.get(user=admin)
    project_update(actor=token.as_actor(), project=project, name="Oro Plus", tags=["vip"])

    html = page(owner_client, reverse("admin:projects_project_history", args=[project.pk]))

    assert "doesn\N{RIGHT SINGLE QUOTATION MARK}t have a change history" not in html
    assert "Channel published" in html
    assert "Project updated" in html
    assert "CHANNEL_PUBLISHED" not in html.replace('data-event="CHANNEL_PUBLISHED"', "")
    prod = DistributionChannel.objects.get(project=project, channel="PROD")
    prod_url = reverse("admin:shares_distributionchannel_change", args=[prod.pk])
    assert f'<a href="{prod_url}">PROD channel</a>' in html
    assert "&lt;br&gt;" not in html  # the channel and the template on lines of their own
    assert 'active template</span>: <span class="before">—</span> → “Bienvenida 1.0”' in html
    assert 'name</span>: <span class="before">Oro</span> → Oro Plus' in html
    assert 'tags</span>: <span class="before">—</span> → vip' in html
    assert f"→ {template.pk}" not in html  # ids only in links, never as the words
    assert f"with the token {token.prefix}" in html  # how they acted
    assert "(signed in)" in html
    assert "{'" not in html
    assert "None →" not in html


def test_templates_channels_shares_and_comments_have_a_history_page(owner_client, project, users):
    template = make_template(project)
    channel_publish(
        actor=Actor.system("tests"), project=project, channel="DEV", template_id=template.pk
    )
    dev = DistributionChannel.objects.get(project=project, channel="DEV")

    for url in (
        reverse("admin:video_templates_template_history", args=[template.pk]),
        reverse("admin:shares_distributionchannel_history", args=[dev.pk]),
    ):
        assert "Channel published" in page(owner_client, url)


def test_the_audit_list_names_projects_and_filters_by_project_actor_and_type(
    owner_client, org, project, users
):
    other = make_project(org, name="Plata", creator=users["ProjectManager"])
    url = reverse("admin:backoffice_auditevent_changelist")

    listing = page(owner_client, url)
    only_project = page(owner_client, f"{url}?project={other.pk}")
    only_actor = page(owner_client, f"{url}?actor={users['ProjectManager'].pk}")
    only_type = page(owner_client, f"{url}?event_type=PROJECT_ACTIVATED")
    only_org = page(owner_client, f"{url}?organization={org.pk}")

    assert f'<a href="?project={other.pk}" title="Only this project">Plata</a>' in listing
    assert 'class="toplinks"' in listing  # the date hierarchy
    assert "Project created" in only_project
    assert ">Oro</a>" not in only_project.split('id="result_list"')[1].split("</table>")[0]
    assert ">Project created</a>" in listing  # the type filter, in words
    assert "Plata" in only_actor
    assert ">Oro</a>" not in only_actor.split('id="result_list"')[1].split("</table>")[0]
    results = only_type.split('id="result_list"')[1].split("</table>")[0]
    assert "Project activated" in results
    assert "Project created" not in results
    assert "Plata" in only_org


def test_the_audit_list_exports_the_apis_csv(owner_client, org, project, users, client_for):
    project_update(actor=Actor.for_user(users["OrganizationAdmin"]), project=project, name="x")
    url = reverse("admin:backoffice_auditevent_changelist")
    assert 'href="export.csv?organization=' in page(owner_client, f"{url}?organization={org.pk}")

    admin_csv = owner_client.get(f"{url}export.csv?organization={org.pk}")
    api_csv = client_for(users["OrganizationAdmin"]).get(
        f"/api/Organizations/{org.pk}/audit-events/export"
    )

    assert admin_csv.status_code == 200
    assert admin_csv["Content-Type"].startswith("text/csv")
    assert b"".join(admin_csv.streaming_content) == b"".join(api_csv.streaming_content)
    narrowed = owner_client.get(f"{url}export.csv?event_type=PROJECT_UPDATED")
    lines = b"".join(narrowed.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2  # the header and the one update


def test_the_audit_list_runs_the_same_queries_whatever_the_number_of_rows(owner_client, org, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:backoffice_auditevent_changelist")
    make_project(org, name="Uno", creator=users["ProjectManager"])
    with CaptureQueriesContext(connection) as few:
        page(owner_client, url)
    for number in range(6):
        make_project(org, name=f"Más {number}", creator=users["Developer"])
    with CaptureQueriesContext(connection) as many:
        page(owner_client, url)

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_trail_is_the_organization_admins_as_in_the_api(org, other_org, users, other_admin):
    from django.contrib.auth.models import Permission
    from django.test import Client

    from backoffice.roles import Role
    from tests.backoffice.factories import member

    make_project(other_org, name="Ajeno")
    url = reverse("admin:backoffice_auditevent_changelist")
    staff = {}
    for role in (Role.VIEWER, Role.ORGANIZATION_ADMIN):
        user = member(org, role, is_staff=True)
        user.user_permissions.set(Permission.objects.all())
        staff[role] = Client()
        staff[role].force_login(user)

    assert staff[Role.VIEWER].get(url).status_code == 403
    assert "Audit events" not in page(staff[Role.VIEWER], reverse("admin:index"))
    listing = page(staff[Role.ORGANIZATION_ADMIN], url)
    assert "Ajeno" not in listing
    assert other_org.name not in listing
