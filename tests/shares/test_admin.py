"""The admin of templates and channels: pages render (poster preview, file links, channels
inline on the project) and actions go through the services."""

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from projects.services import project_activate
from shares.models import DistributionChannel
from shares.services import channel_publish
from templates.constants import Status
from tests.backoffice.factories import UserFactory
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def project(org):
    return project_activate(actor=Actor.system("tests"), project=make_project(org))


@pytest.fixture
def template(project):
    return make_template(project)


def test_template_pages_show_poster_and_file_links(staff_client, template):
    changelist = staff_client.get(reverse("admin:video_templates_template_changelist"))
    change = staff_client.get(reverse("admin:video_templates_template_change", args=[template.pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200
    html = change.content.decode()
    assert '<img src="/api/files/' in html
    assert "Animation (Lottie JSON): lottie.json" in html


def test_project_page_has_the_channels_inline(staff_client, project):
    response = staff_client.get(reverse("admin:projects_project_change", args=[project.pk]))

    assert response.status_code == 200
    assert "STAGING" in response.content.decode()


def test_channel_pages_render(staff_client, project):
    channel = DistributionChannel.objects.get(project=project, channel="DEV")

    assert (
        staff_client.get(reverse("admin:shares_distributionchannel_changelist")).status_code == 200
    )
    change = reverse("admin:shares_distributionchannel_change", args=[channel.pk])
    assert staff_client.get(change).status_code == 200


def test_publish_action_goes_through_the_service(staff_client, template):
    response = staff_client.post(
        reverse("admin:video_templates_template_changelist"),
        {"action": "publish_to_prod", "_selected_action": [template.pk], "post": "yes"},
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.status == Status.PRODUCTION
    assert AuditEvent.objects.filter(event_type="CHANNEL_PUBLISHED").count() == 1


def test_unpublish_action_goes_through_the_service(staff_client, project, template):
    channel_publish(
        actor=Actor.system("tests"), project=project, channel="DEV", template_id=template.pk
    )
    channel = DistributionChannel.objects.get(project=project, channel="DEV")

    staff_client.post(
        reverse("admin:shares_distributionchannel_changelist"),
        {"action": "unpublish", "_selected_action": [channel.pk], "post": "yes"},
    )

    channel.refresh_from_db()
    assert channel.active_template is None
    assert AuditEvent.objects.filter(event_type="CHANNEL_UNPUBLISHED").count() == 1


def test_archive_action_refuses_a_published_template(staff_client, project, template):
    channel_publish(
        actor=Actor.system("tests"), project=project, channel="DEV", template_id=template.pk
    )

    staff_client.post(
        reverse("admin:video_templates_template_changelist"),
        {"action": "archive", "_selected_action": [template.pk], "post": "yes"},
    )

    template.refresh_from_db()
    assert template.status == Status.TESTING


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_publishing_to_prod_says_it_is_live(staff_client, template):
    response = staff_client.post(
        reverse("admin:video_templates_template_changelist"),
        {"action": "publish_to_prod", "_selected_action": [template.pk], "post": "yes"},
        follow=True,
    )

    assert _messages(response) == [f"Published \u201c{template}\u201d to PROD: PROD serves it now."]


def test_publishing_to_prod_under_four_eyes_says_approval_is_pending(
    staff_client, org, project, template
):
    org.require_prod_approval = True
    org.save(update_fields=["require_prod_approval"])
    url = reverse("admin:video_templates_template_changelist")
    confirm = staff_client.post(
        url, {"action": "publish_to_prod", "_selected_action": [template.pk]}
    ).content.decode()

    response = staff_client.post(
        url,
        {"action": "publish_to_prod", "_selected_action": [template.pk], "post": "yes"},
        follow=True,
    )

    assert "requires four eyes" in confirm
    assert _messages(response) == [
        f"Requested approval to publish \u201c{template}\u201d to PROD (four eyes): pending "
        "until another Project Manager or admin approves it in Deploy requests."
    ]
    template.refresh_from_db()
    assert template.status == Status.TESTING
