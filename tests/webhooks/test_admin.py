"""Webhooks in the staff admin: endpoints and their delivery log, scoped to the staff
member's organizations, with redelivery through the service; secrets never shown."""

import re

import pytest
from django.contrib.auth.models import Permission

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from tests.backoffice.factories import member
from webhooks.constants import EndpointStatus
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_create

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def staff(org):
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    return user


def make(organization, url=URL):
    created = webhook_create(
        actor=Actor.system("tests"), organization=organization, url=url, events=["share.created"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=created.endpoint, event_type="share.created", body='{"type":"share.created"}'
    )
    return created, delivery


def test_staff_see_their_organizations_endpoints_and_failures(client, staff, org, other_org):
    ours, _ = make(org, "http://127.0.0.1:9/ours")
    make(other_org, "http://127.0.0.1:9/theirs")
    WebhookEndpoint.objects.filter(pk=ours.endpoint.pk).update(status=EndpointStatus.FAILING)
    client.force_login(staff)
    page = client.get("/admin/webhooks/webhookendpoint/?status__exact=failing").content.decode()
    assert "/ours" in page
    assert "/theirs" not in page
    detail = client.get(f"/admin/webhooks/webhookendpoint/{ours.endpoint.pk}/change/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert ours.secret not in text
    assert ours.endpoint.secret_ciphertext not in text
    log = client.get("/admin/webhooks/webhookdelivery/").content.decode()
    assert log.count("share.created") >= 1
    assert "/theirs" not in log


def test_redeliver_action_goes_through_the_service(client, staff, org, other_org):
    _, ours = make(org)
    _, theirs = make(other_org)
    client.force_login(staff)
    response = client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [str(ours.pk), str(theirs.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Redelivered 1 webhook delivery." in response.content.decode()
    again = WebhookDelivery.objects.get(redelivery_of=ours)
    assert again.message_id == ours.message_id
    assert again.requested_by == staff
    assert not WebhookDelivery.objects.filter(redelivery_of=theirs).exists()
    assert AuditEvent.objects.get(event_type="WEBHOOK_REDELIVERED").actor_user == staff


def test_staff_below_organization_admin_see_no_endpoints_or_deliveries(client, org):
    """As in the API, webhooks are the organization admins' even to read (SPEC §17)."""
    make(org, "http://127.0.0.1:9/ours")
    manager = member(org, Role.PROJECT_MANAGER, is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    client.force_login(manager)
    assert "/ours" not in client.get("/admin/webhooks/webhookendpoint/").content.decode()
    assert "share.created" not in client.get("/admin/webhooks/webhookdelivery/").content.decode()


def test_an_endpoint_page_lists_its_events_as_chips_under_a_url_label(client, staff, org):
    created = webhook_create(
        actor=Actor.for_user(staff),
        organization=org,
        url=URL,
        events=["share.disabled", "channel.published"],
    )
    client.force_login(staff)
    text = client.get(f"/admin/webhooks/webhookendpoint/{created.endpoint.pk}/change/")
    text = text.content.decode()
    assert '["share.disabled"' not in text  # not the stored JSON list
    assert "[&quot;" not in text
    # Chips, in the order the API lists events (channel.published before share.disabled).
    assert re.search(
        r'<span class="chip">channel\.published</span><span class="chip">share\.disabled</span>',
        text,
    )
    assert "<label>URL:</label>" in text
    assert "Url:" not in text
    assert staff.display_name in text  # "created by", by name


def test_the_delivery_log_cuts_long_values_to_their_column(client, staff, org):
    long_url = "http://127.0.0.1:9/percus/hooks/banco-andino/production-receiver-endpoint"
    _, delivery = make(org, long_url)
    error = "Could not connect to the receiver: connection refused by 127.0.0.1 port 9 " * 3
    WebhookDelivery.objects.filter(pk=delivery.pk).update(error=error[:300], duration_ms=12)
    client.force_login(staff)
    text = client.get("/admin/webhooks/webhookdelivery/").content.decode()
    # The whole value is the tooltip (and on the change page); the column shows its start.
    assert f'class="truncate narrow" title="{long_url}"' in text
    assert 'class="truncate narrow" title="Could not connect to the receiver' in text
    assert '<span class="badge"' in text  # the status as a badge
    assert '0 attempts</span> · <span class="nowrap">12 ms' in text
