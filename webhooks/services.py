"""Webhook endpoints, deliveries and their attempts. Writes are one transaction each, with
their audit event; the HTTP call itself runs on a Celery worker (``webhooks.tasks``), never in
a web request and never inside a transaction.

How a delivery moves: the service whose change is the event writes its audit event, and
``deliveries_for_event`` (an audit listener, see ``backoffice.audit.event_listeners``) adds a
pending delivery per subscribed endpoint in that same transaction, enqueuing it on commit —
a rolled-back change leaves no delivery and sends nothing. ``delivery_attempt`` claims a due
delivery with a conditional UPDATE (two workers never send the same attempt), posts it,
and records the outcome: success; a retry after an exponential, jittered delay; or, once
the retry window (24 h) is over, failure — and the endpoint is marked failing.
"""

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from http.client import HTTPException

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.audit import diff, record_event, target
from backoffice.errors import Conflict, InvalidRequest
from backoffice.events import EventType
from backoffice.models import AuditEvent, Organization

from . import signing, transport
from .constants import (
    EVENT_NAMES,
    EVENTS_FROM_AUDIT,
    MAX_ENDPOINTS_PER_ORGANIZATION,
    DeliveryStatus,
    EndpointStatus,
)
from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

#: How long a claimed attempt keeps others off it (longer than any attempt can take).
CLAIM_LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # ``whsec_…``: shown once


# Endpoints ---------------------------------------------------------------------------------


def _clean_events(events: list[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    unknown = [event for event in events if event not in EVENT_NAMES]
    if unknown:
        raise InvalidRequest.for_field("events", f"Unknown event: {', '.join(unknown)}.")
    if not events:
        raise InvalidRequest.for_field("events", "Subscribe to at least one event.")
    return events


def _clean_url(url: str) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise InvalidRequest.for_field("url", "At most 2000 characters.")
    try:
        transport.validate_url(url)
    except transport.Refused as refusal:
        raise InvalidRequest.for_field("url", str(refusal)) from None
    return url


def _endpoint_event(event_type: str, actor: Actor, endpoint: WebhookEndpoint, changes=None):
    record_event(
        event_type=event_type,
        actor=actor,
        organization=endpoint.organization,
        targets=[target(endpoint, endpoint.url)],
        changes=changes,
    )


@transaction.atomic
def webhook_create(
    *,
    actor: Actor,
    organization: Organization,
    url: str,
    events: list[str],
    description: str = "",
    enabled: bool = True,
) -> CreatedEndpoint:
    events = _clean_events(events)
    url = _clean_url(url)
    Organization.objects.select_for_update().get(pk=organization.pk)  # serializes the count
    if organization.webhook_endpoints.count() >= MAX_ENDPOINTS_PER_ORGANIZATION:
        raise Conflict(
            f"An organization has at most {MAX_ENDPOINTS_PER_ORGANIZATION} webhook endpoints."
        )
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        description=description.strip(),
        events=events,
        enabled=enabled,
        secret_ciphertext=signing.encrypt(secret),
        secret_hint=secret[:10],
        created_by=actor.user,
    )
    _endpoint_event(
        EventType.WEBHOOK_CREATED,
        actor,
        endpoint,
        {"url": {"before": None, "after": url}, "events": {"before": None, "after": events}},
    )
    return CreatedEndpoint(endpoint=endpoint, secret=secret)


def _lock(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return (
        WebhookEndpoint.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=endpoint.pk)
    )


@transaction.atomic
def webhook_update(*, actor: Actor, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change ``url``, ``events``, ``description`` or ``enabled``."""
    unknown = set(changes) - {"url", "events", "description", "enabled"}
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    if "events" in changes:
        changes["events"] = _clean_events(changes["events"])
    if "url" in changes:
        changes["url"] = _clean_url(changes["url"])
    if "description" in changes:
        changes["description"] = changes["description"].strip()
    endpoint = _lock(endpoint)
    before = {field: getattr(endpoint, field) for field in changes}
    changed = diff(before, changes)
    if not changed:
        return endpoint
    for field in changed:
        setattr(endpoint, field, changes[field])
    endpoint.save(update_fields=[*changed, "updated_at"])
    _endpoint_event(EventType.WEBHOOK_UPDATED, actor, endpoint, changed)
    return endpoint


@transaction.atomic
def webhook_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log; nothing more is sent to it."""
    endpoint = _lock(endpoint)
    _endpoint_event(
        EventType.WEBHOOK_DELETED, actor, endpoint, {"url": {"before": endpoint.url, "after": None}}
    )
    endpoint.delete()


# Deliveries --------------------------------------------------------------------------------


def payload(event: AuditEvent, name: str) -> dict:
    """The body of a delivery (``WebhookEvent`` in the OpenAPI schema)."""
    return {
        "type": name,
        "timestamp": event.created_at,
        "data": {
            "eventId": event.pk,
            "organizationId": event.organization_id,
            "projectId": event.project_id,
            "actor": {"kind": event.actor_kind, "label": event.actor_label},
            "targets": event.targets,
            "changes": event.changes,
        },
    }


def _enqueue(delivery_ids: list[uuid.UUID]) -> None:
    """Hand deliveries to the workers. A broker outage loses nothing: the rows are pending
    in the database and ``webhooks.tasks.sweep`` sends them later."""
    from .tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.delay(str(delivery_id))
        except Exception:  # the broker is down or refuses: the sweep will find the row
            logger.warning("Webhook delivery %s not enqueued; the sweep will send it.", delivery_id)
            return


def deliveries_for_event(event: AuditEvent) -> None:
    """Audit listener: a pending delivery for each enabled endpoint of the event's
    organization subscribed to it, in the service's transaction, enqueued on commit."""
    name = EVENTS_FROM_AUDIT.get(event.event_type)
    if name is None or event.organization_id is None:
        return
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id=event.organization_id, enabled=True
        ).only("id", "events")
        if name in endpoint.events
    ]
    if not endpoints:
        return
    body = json.dumps(payload(event, name), cls=DjangoJSONEncoder, separators=(",", ":"))
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_type=name, body=body, next_attempt_at=now)
        for endpoint in endpoints
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue(ids))


@transaction.atomic
def delivery_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, as a new log row with the same body and ``webhook-id``."""
    endpoint = _lock(delivery.endpoint)
    if not endpoint.enabled:
        raise Conflict("The endpoint is disabled: enable it before redelivering.")
    again = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        body=delivery.body,
        next_attempt_at=timezone.now(),
        redelivery_of=delivery,
        requested_by=actor.user,
    )
    record_event(
        event_type=EventType.WEBHOOK_REDELIVERED,
        actor=actor,
        organization=endpoint.organization,
        targets=[target(endpoint, endpoint.url), target(again, delivery.event_type)],
        changes={"redeliveryOf": {"before": None, "after": str(delivery.pk)}},
    )
    transaction.on_commit(lambda: _enqueue([again.pk]))
    return again


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: exponential from
    ``WEBHOOK_RETRY_BASE_SECONDS``, capped at ``WEBHOOK_RETRY_MAX_SECONDS``, with "equal
    jitter" (between half and all of it) so failing receivers aren't hit in waves."""
    ceiling = min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
        settings.WEBHOOK_RETRY_MAX_SECONDS,
    )
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


def _retry_after(attempts: int) -> timedelta:
    return timedelta(seconds=retry_delay(attempts))


def due_deliveries(overdue: timedelta = timedelta(0), limit: int = 500) -> list[uuid.UUID]:
    """Pending deliveries due for more than ``overdue`` (their message was lost, or their
    retry is too far off for a countdown), oldest first."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now() - overdue
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass(frozen=True)
class AttemptOutcome:
    delivery: WebhookDelivery
    retry_in: float | None  # seconds, when another attempt is scheduled


def _headers(delivery: WebhookDelivery, secret: str) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(secret, delivery.webhook_id, timestamp, delivery.body),
    }


def delivery_attempt(*, delivery_id: uuid.UUID | str) -> AttemptOutcome | None:
    """Make one attempt of a due delivery; None when it isn't due or another worker holds
    it. Called by the worker, outside any transaction (the HTTP call holds no lock)."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .update(attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=now + CLAIM_LEASE)
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint__organization").get(pk=delivery_id)
    endpoint = delivery.endpoint
    answer, error = None, ""
    if not endpoint.enabled:
        error = "The endpoint is disabled."
    else:
        try:
            answer = transport.post(
                endpoint.url,
                delivery.body.encode(),
                _headers(delivery, signing.decrypt(endpoint.secret_ciphertext)),
            )
        except transport.Refused as refusal:
            error = str(refusal)
        except (OSError, HTTPException) as failure:
            error = (
                f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
            )
    return _record_attempt(delivery, answer, error[:300], started=now)


@transaction.atomic
def _record_attempt(
    delivery: WebhookDelivery, answer: transport.Answer | None, error: str, started
) -> AttemptOutcome:
    endpoint = _lock(delivery.endpoint)
    now = timezone.now()
    delivery.response_status = answer.status if answer else None
    delivery.response_excerpt = answer.excerpt if answer else ""
    delivery.duration_ms = (
        answer.duration_ms if answer else round((now - started).total_seconds() * 1000)
    )
    succeeded = answer is not None and 200 <= answer.status < 300
    delivery.error = "" if succeeded else (error or f"The receiver answered {answer.status}.")
    retry_in = None
    window_end = delivery.created_at + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)
    if succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.completed_at = now
        delivery.next_attempt_at = None
        if endpoint.status == EndpointStatus.FAILING:
            _set_endpoint_status(endpoint, EndpointStatus.ACTIVE)
    elif (
        endpoint.enabled
        and now + timedelta(seconds=(delay := retry_delay(delivery.attempts))) < window_end
    ):
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        retry_in = delay
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.completed_at = now
        delivery.next_attempt_at = None
        if endpoint.enabled and endpoint.status != EndpointStatus.FAILING:
            _set_endpoint_status(endpoint, EndpointStatus.FAILING)
    delivery.save(
        update_fields=[
            "status",
            "completed_at",
            "next_attempt_at",
            "response_status",
            "response_excerpt",
            "error",
            "duration_ms",
        ]
    )
    return AttemptOutcome(delivery=delivery, retry_in=retry_in)


def _set_endpoint_status(endpoint: WebhookEndpoint, status: str) -> None:
    before = endpoint.status
    endpoint.status = status
    endpoint.failing_since = timezone.now() if status == EndpointStatus.FAILING else None
    endpoint.save(update_fields=["status", "failing_since", "updated_at"])
    _endpoint_event(
        EventType.WEBHOOK_FAILING
        if status == EndpointStatus.FAILING
        else EventType.WEBHOOK_RECOVERED,
        Actor.system("webhooks"),
        endpoint,
        {"status": {"before": before, "after": status}},
    )
