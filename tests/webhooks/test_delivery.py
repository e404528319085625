"""Webhook deliveries on a real Celery worker (Redis db 7) to a real local receiver: each
listed event arrives signed (Standard Webhooks), a rolled-back change sends nothing, a
failing receiver sees the retries and its endpoint ends up failing, redelivery resends the
same message."""

import json
import time

import pytest
from django.db import transaction

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from credentials.services import credential_create, credential_revoke
from projects.services import project_activate, project_archive, project_restore, project_trash
from shares.services import (
    channel_publish,
    channel_unpublish,
    share_disable,
    share_restore,
    share_rotate_slug,
    share_upsert,
)
from tests.backoffice.factories import member
from tests.conftest import wait_for
from tests.projects.factories import make_project
from tests.templates.helpers import make_template
from webhooks.constants import EVENT_NAMES, DeliveryStatus, EndpointStatus
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.usefixtures("celery_worker")

SYSTEM = Actor.system("tests")


def register(client, org, url: str, events=None) -> tuple[WebhookEndpoint, str]:
    response = client.post(
        f"/api/Organizations/{org.pk}/webhooks",
        {"url": url, "events": events or EVENT_NAMES, "description": "CRM"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    return WebhookEndpoint.objects.get(pk=body["id"]), body["secret"]


@pytest.fixture
def admin_client(org, client_for):
    return client_for(member(org, Role.ORGANIZATION_ADMIN))


def every_event(org) -> None:
    """One change of each kind the webhooks report, through the services."""
    project = make_project(org, name="Cards Q2")
    project_activate(actor=SYSTEM, project=project)
    template = make_template(project)  # template.uploaded
    channel_publish(actor=SYSTEM, project=project, channel="DEV", template_id=template.pk)
    share_upsert(actor=SYSTEM, project=project, channel="DEV", fields={"public_title": "Offer"})
    share_rotate_slug(actor=SYSTEM, project=project, channel="DEV")
    share_disable(actor=SYSTEM, project=project, channel="DEV")
    share_restore(actor=SYSTEM, project=project, channel="DEV")
    channel_unpublish(actor=SYSTEM, project=project, channel="DEV")
    created = credential_create(actor=SYSTEM, project=project, name="CRM")
    credential_revoke(actor=SYSTEM, credential=created.credential)
    project_archive(actor=SYSTEM, project=project)
    project_trash(actor=SYSTEM, project=project)
    project_restore(actor=SYSTEM, project=project)


def test_every_listed_event_arrives_signed(org, admin_client, receiver):
    endpoint, secret = register(admin_client, org, receiver.url)
    every_event(org)

    wait_for(lambda: {r.json["type"] for r in receiver.received} >= set(EVENT_NAMES))
    arrived = receiver.events(secret)  # every signature verified
    assert {request.json["type"] for request in arrived} == set(EVENT_NAMES)
    for request in arrived:
        assert request.path == "/hooks"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["webhook-id"].startswith("msg_")
        assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
        assert request.headers["webhook-signature"].startswith("v1,")
        data = request.json["data"]
        assert data["organizationId"] == str(org.pk)
        assert data["actor"] == {"kind": "system", "label": "tests"}
        assert AuditEvent.objects.filter(pk=data["eventId"], organization=org).exists()
    rotated = next(r.json for r in arrived if r.json["type"] == "share.rotated")
    assert "slug" in rotated["data"]["changes"]
    wait_for(lambda: not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists())
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == len(arrived)


def test_a_tampered_body_fails_verification(org, admin_client, receiver):
    _endpoint, secret = register(admin_client, org, receiver.url, ["project.archived"])
    project_archive(actor=SYSTEM, project=make_project(org))
    request = wait_for(lambda: receiver.received and receiver.received[0])
    from webhooks.signing import verify

    assert verify(secret, request.headers, request.body)
    assert not verify(secret, request.headers, request.body.replace("archived", "restored"))
    assert not verify("whsec_" + "A" * 44, request.headers, request.body)


def test_only_subscribed_events_of_the_own_organization_are_sent(
    org, other_org, admin_client, receiver
):
    register(admin_client, org, receiver.url, ["credential.revoked"])
    mine = make_project(org)
    theirs = make_project(other_org)
    created = credential_create(actor=SYSTEM, project=mine, name="CRM")  # not subscribed
    credential_revoke(
        actor=SYSTEM, credential=credential_create(actor=SYSTEM, project=theirs).credential
    )
    credential_revoke(actor=SYSTEM, credential=created.credential)
    wait_for(lambda: receiver.received)
    time.sleep(1)
    assert [r.json["type"] for r in receiver.received] == ["credential.revoked"]
    assert receiver.received[0].json["data"]["projectId"] == str(mine.pk)


def test_a_rolled_back_change_sends_nothing(org, admin_client, receiver):
    register(admin_client, org, receiver.url, ["credential.created", "project.archived"])
    project = make_project(org)

    def create_then_fail() -> None:
        with transaction.atomic():
            credential_create(actor=SYSTEM, project=project, name="never")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert not WebhookDelivery.objects.exists()
    project_archive(actor=SYSTEM, project=project)  # a committed change, sent after
    wait_for(lambda: receiver.received)
    time.sleep(0.5)
    assert [r.json["type"] for r in receiver.received] == ["project.archived"]


def test_a_failing_receiver_sees_the_retries_then_the_endpoint_is_failing(
    org, admin_client, receiver, client_for
):
    """Test settings: retries from 0.2 s, jittered, capped at 0.5 s, for 3 s (24 h live)."""
    receiver.default = 500
    endpoint, secret = register(admin_client, org, receiver.url, ["project.archived"])
    project_archive(actor=SYSTEM, project=make_project(org))

    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).first(), timeout=30
    )
    arrived = receiver.events(secret)
    assert len(arrived) == delivery.attempts >= 4
    assert len({request.headers["webhook-id"] for request in arrived}) == 1  # one message
    assert len({request.headers["webhook-signature"] for request in arrived}) >= 2  # re-signed
    assert delivery.response_status == 500
    assert delivery.error == "The receiver answered 500."
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.FAILING
    assert endpoint.failing_since is not None
    assert AuditEvent.objects.filter(event_type="WEBHOOK_FAILING").count() == 1
    # the organization's admins see it
    listed = admin_client.get(f"/api/Organizations/{org.pk}/webhooks").json()["items"]
    assert listed[0]["status"] == "failing"


def test_a_receiver_that_recovers_gets_the_delivery_and_the_endpoint_is_active_again(
    org, admin_client, receiver
):
    receiver.statuses = [503, 502]
    endpoint, _secret = register(admin_client, org, receiver.url, ["project.archived"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status=EndpointStatus.FAILING)
    project_archive(actor=SYSTEM, project=make_project(org))

    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).first()
    )
    assert delivery.attempts == 3
    assert delivery.response_status == 204
    assert delivery.error == ""
    assert len(receiver.received) == 3
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.ACTIVE
    assert endpoint.failing_since is None


def test_redeliver_sends_the_same_message_again(org, admin_client, receiver):
    endpoint, secret = register(admin_client, org, receiver.url, ["project.archived"])
    project_archive(actor=SYSTEM, project=make_project(org))
    first = wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).first()
    )

    response = admin_client.post(
        f"/api/Organizations/{org.pk}/webhooks/{endpoint.pk}/deliveries/{first.pk}/redeliver"
    )
    assert response.status_code == 202, response.content
    assert response.json()["redeliveryOf"] == str(first.pk)
    wait_for(lambda: len(receiver.received) == 2)
    original, again = receiver.events(secret)
    assert again.headers["webhook-id"] == original.headers["webhook-id"]
    assert again.body == original.body
    wait_for(
        lambda: WebhookDelivery.objects.filter(
            pk=response.json()["id"], status=DeliveryStatus.SUCCEEDED
        ).exists()
    )
    assert AuditEvent.objects.filter(event_type="WEBHOOK_REDELIVERED").count() == 1


def test_the_sweep_sends_what_the_broker_never_got(org, admin_client, receiver, settings):
    """A delivery whose message was lost (the broker was down at commit) is sent by the
    periodic sweep."""
    from webhooks.tasks import sweep

    register(admin_client, org, receiver.url, ["project.archived"])
    project = make_project(org)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # not used: the app is configured
    with transaction.atomic():
        project_archive(actor=SYSTEM, project=project)
        # the on-commit enqueue is dropped, as when the broker is unreachable
        transaction.get_connection().run_on_commit.clear()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    time.sleep(0.5)
    assert receiver.received == []
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 0
    assert sweep.delay() is not None
    wait_for(lambda: receiver.received)
    assert json.loads(receiver.received[0].body)["type"] == "project.archived"
