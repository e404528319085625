"""Writing audit events. Services call ``record_event`` inside their own transaction, so an
event exists exactly when its change does."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from django.db import models

from .actors import Actor
from .api.serializers import camel
from .events import EventType
from .models import AuditEvent, Organization

#: Called with each event right after it is saved, inside the service's transaction (so what
#: they write commits or rolls back with the change). Filled by ``webhooks.apps`` (a webhook
#: delivery per subscribed endpoint).
event_listeners: list[Callable[[AuditEvent], None]] = []


def camel_keys(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """``changes`` keyed by the API's camelCase field names (``job_code`` → ``jobCode``), so
    every event reads like the representations (SPEC §16). Only the field names change: the
    values are stored as given."""
    return {camel(field): value for field, value in (changes or {}).items()}


def target(obj: models.Model, label: str | None = None) -> dict[str, str]:
    """How an object is named in an event's ``targets``."""
    return {"type": obj._meta.model_name, "id": str(obj.pk), "label": label or str(obj)}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"field": {"before": …, "after": …}}`` for the fields whose value changed."""
    return {
        field: {"before": before.get(field), "after": value}
        for field, value in after.items()
        if before.get(field) != value
    }


def apply_changes(
    obj: models.Model, changes: Mapping[str, Any], editable: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Set ``changes`` on ``obj`` and return the audit diff of the fields that really
    changed. A field outside ``editable`` is a programming error, not bad input."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    before = {field: getattr(obj, field) for field in changes}
    for field, value in changes.items():
        setattr(obj, field, value)
    return diff(before, changes)


def record_event(
    *,
    event_type: EventType,
    actor: Actor,
    organization: Organization | None,
    targets: Iterable[dict[str, str]] = (),
    changes: Mapping[str, Any] | None = None,
    project_id: UUID | None = None,
) -> AuditEvent:
    event = AuditEvent(
        event_type=EventType(event_type).value,  # an unknown type is a ValueError
        organization=organization,
        project_id=project_id,
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_id=actor.ref_id,
        actor_label=actor.label,
        targets=list(targets),
        changes=camel_keys(changes),
    )
    event.save()
    for listener in event_listeners:
        listener(event)
    return event
