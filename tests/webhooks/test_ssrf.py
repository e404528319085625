"""Webhook URLs can't be turned against the inside (SPEC §17): https only in production,
every resolved address checked, no redirect followed, short timeouts, bounded reads."""

import socket

import pytest

from backoffice.actors import Actor
from backoffice.roles import Role
from tests.backoffice.factories import member
from webhooks import transport
from webhooks.constants import DeliveryStatus
from webhooks.models import WebhookDelivery
from webhooks.services import delivery_attempt, webhook_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_rules(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    return settings


@pytest.fixture
def admin_client(org, client_for):
    return client_for(member(org, Role.ORGANIZATION_ADMIN))


def create(client, org, url: str):
    return client.post(
        f"/api/Organizations/{org.pk}/webhooks",
        {"url": url, "events": ["project.archived"]},
        format="json",
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/in", "https"),
        ("https://127.0.0.1/in", "not allowed"),
        ("https://localhost/in", "not allowed"),
        ("https://10.1.2.3/in", "not allowed"),
        ("https://172.16.0.9/in", "not allowed"),
        ("https://192.168.1.1/in", "not allowed"),
        ("https://100.64.0.1/in", "not allowed"),  # carrier-grade NAT
        ("https://169.254.169.254/latest/meta-data", "not allowed"),  # cloud metadata
        ("https://[::1]/in", "not allowed"),
        ("https://[fd00:ec2::254]/in", "not allowed"),
        ("https://[::ffff:10.0.0.1]/in", "not allowed"),  # IPv4-mapped private
        ("https://224.0.0.1/in", "not allowed"),  # multicast
        ("https://0.0.0.0/in", "not allowed"),
        ("https://user:pw@hooks.example.com/in", "user name"),
        ("ftp://hooks.example.com/in", "https"),
        ("https:///no-host", "no host"),
    ],
)
def test_production_refuses_unsafe_urls(url, why, org, admin_client, production_rules):
    response = create(admin_client, org, url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_request"
    assert why in body["errors"]["url"][0]


def test_a_host_that_resolves_to_a_private_address_is_refused(production_rules, monkeypatch):
    """Whatever the name looks like, the addresses decide: one private answer among public
    ones refuses the host (the resolver is replaced here: no DNS in the test)."""

    def resolver(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolver)
    with pytest.raises(transport.Refused, match=r"10\.0\.0\.7"):
        transport.validate_url("https://hooks.partner.example/in")


def test_metadata_addresses_are_refused_even_in_development(org, admin_client):
    response = create(admin_client, org, "http://169.254.169.254/latest/meta-data")
    assert response.status_code == 400
    assert "not allowed" in response.json()["errors"]["url"][0]


def _pending_delivery(org, url: str) -> WebhookDelivery:
    created = webhook_create(
        actor=Actor.system("tests"), organization=org, url=url, events=["project.archived"]
    )
    return WebhookDelivery.objects.create(
        endpoint=created.endpoint, event_type="project.archived", body='{"type":"x"}'
    )


def test_an_address_that_became_private_is_refused_at_delivery(org, receiver, settings):
    """Checked again at each attempt (DNS may change after the endpoint was saved)."""
    delivery = _pending_delivery(org, receiver.url)  # allowed under development rules
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    outcome = delivery_attempt(delivery_id=delivery.pk)
    assert "not allowed" in outcome.delivery.error
    assert outcome.delivery.response_status is None
    assert receiver.received == []


def test_a_redirect_is_not_followed(org, receiver):
    receiver.default = 302
    receiver.headers = {"Location": receiver.url.replace("/hooks", "/elsewhere")}
    delivery = _pending_delivery(org, receiver.url)
    outcome = delivery_attempt(delivery_id=delivery.pk)
    assert outcome.delivery.response_status == 302
    assert outcome.delivery.status == DeliveryStatus.PENDING  # a failed attempt, retried
    assert outcome.retry_in is not None
    assert [request.path for request in receiver.received] == ["/hooks"]


def test_a_slow_receiver_times_out(org, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.delay = 2
    delivery = _pending_delivery(org, receiver.url)
    outcome = delivery_attempt(delivery_id=delivery.pk)
    assert "timed out" in outcome.delivery.error.lower()
    assert outcome.delivery.duration_ms < 1900


def test_a_huge_answer_is_read_only_up_to_the_bound(org, receiver, settings):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 4096
    receiver.default = 200
    receiver.answer_body = b"x" * 5_000_000
    delivery = _pending_delivery(org, receiver.url)
    outcome = delivery_attempt(delivery_id=delivery.pk)
    assert outcome.delivery.status == DeliveryStatus.SUCCEEDED
    assert outcome.delivery.response_excerpt == "x" * 1000


def test_an_attempt_is_made_once_even_if_two_workers_get_the_message(org, receiver):
    delivery = _pending_delivery(org, receiver.url)
    first = delivery_attempt(delivery_id=delivery.pk)
    second = delivery_attempt(delivery_id=delivery.pk)
    assert first.delivery.status == DeliveryStatus.SUCCEEDED
    assert second is None
    assert len(receiver.received) == 1
