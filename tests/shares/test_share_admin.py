"""The admin of public video shares: the public link, status and counts; disable, restore
and rotate actions through the services (with their events); the shares inline on projects."""

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from shares.models import PublicVideoShare
from shares.services import share_upsert
from tests.backoffice.factories import UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def share(org):
    project = make_project(org)
    return share_upsert(
        actor=Actor.system("tests"),
        project=project,
        channel="PROD",
        fields={"public_title": "Your offer <b>now</b>"},
    ).share


def act(client, action: str, share) -> None:
    response = client.post(
        reverse("admin:shares_publicvideoshare_changelist"),
        {"action": action, "_selected_action": [str(share.pk)], "post": "yes"},
    )
    assert response.status_code == 302


def test_pages_show_the_link_status_and_counts(staff, share):
    changelist = staff.get(reverse("admin:shares_publicvideoshare_changelist"))
    change = staff.get(reverse("admin:shares_publicvideoshare_change", args=[share.pk]))
    project = staff.get(reverse("admin:projects_project_change", args=[share.project.pk]))

    for response in (changelist, change, project):
        assert response.status_code == 200
        assert share.url in response.content.decode()
    assert "Enabled" in changelist.content.decode()
    assert "Your offer &lt;b&gt;now&lt;/b&gt;" in changelist.content.decode()


def test_actions_go_through_the_services(staff, share):
    act(staff, "disable", share)
    share.refresh_from_db()
    assert share.status == "Disabled"
    assert share.disabled_by == staff.user

    act(staff, "restore", share)
    share.refresh_from_db()
    assert share.status == "Enabled"

    slug = share.slug
    act(staff, "rotate_slug", share)
    share.refresh_from_db()
    assert share.slug != slug
    assert share.slug_rotated_by == staff.user

    events = AuditEvent.objects.filter(actor_user=staff.user).values_list("event_type", flat=True)
    assert sorted(events) == ["SHARE_DISABLED", "SHARE_RESTORED", "SLUG_ROTATED"]


def test_a_refused_action_is_reported(staff, share):
    act(staff, "restore", share)  # it is enabled: 409 in the API, a message here
    share.refresh_from_db()
    assert share.restored_at is None
    assert PublicVideoShare.objects.count() == 1


def test_share_and_project_pages_chart_the_last_30_days(staff, share):
    from shares.counting import today
    from shares.models import ShareDailyCount

    ShareDailyCount.objects.create(share=share, day=today(), views=42, cta_clicks=7)
    change = staff.get(reverse("admin:shares_publicvideoshare_change", args=[share.pk]))
    project = staff.get(reverse("admin:projects_project_change", args=[share.project.pk]))
    for response in (change, project):
        body = response.content.decode()
        assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="daily-chart"') == 1
        assert "42 views and 7 CTA clicks" in body  # the chart's text for screen readers
        assert f"<title>{today().isoformat()}: 42 views</title>" in body
        assert "<script" not in body.split('class="daily-chart"')[1].split("</svg>")[0]


def test_the_share_page_shows_expiry_and_whether_there_is_a_password(staff, org):
    project = make_project(org, name="Protected")
    share = share_upsert(
        actor=Actor.system("tests"),
        project=project,
        channel="PROD",
        fields={"public_title": "Offer", "password": "correct horse battery"},
    ).share
    page = staff.get(reverse("admin:shares_publicvideoshare_change", args=[share.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Expires at" in text
    assert "Protected: visitors enter the share" in text  # never the password or its hash
    assert "correct horse battery" not in text
    assert share.password_hash not in text
