"""The audit history of an object, shown on its admin change page: who did what, when, and
what changed (before → after), newest first."""

from django.contrib import admin
from django.db import connection
from django.utils.html import format_html, format_html_join

from .models import AuditEvent

HISTORY_LENGTH = 50


def events_about(obj) -> list[AuditEvent]:
    """The latest audit events naming this object among their targets (GIN-indexed on
    PostgreSQL; SQLite, the development default, scans its JSON text)."""
    if connection.vendor == "postgresql":
        events = AuditEvent.objects.filter(targets__contains=[{"id": str(obj.pk)}])
    else:
        events = AuditEvent.objects.filter(targets__icontains=f'"{obj.pk}"')
    return list(events.select_related("actor_user").order_by("-created_at", "-id")[:HISTORY_LENGTH])


def _changes(event: AuditEvent) -> str:
    return format_html_join(
        "",
        "<div><code>{}</code>: {} → {}</div>",
        (
            (field, change.get("before"), change.get("after"))
            for field, change in event.changes.items()
            if isinstance(change, dict)
        ),
    )


def audit_history(obj) -> str:
    if obj is None or not obj.pk:
        return "—"
    events = events_about(obj)
    if not events:
        return "No events yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                event.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                event.event_type,
                event.actor_label or event.actor_kind,
                _changes(event),
            )
            for event in events
        ),
    )
    return format_html(
        "<table><thead><tr><th>when</th><th>event</th><th>by</th><th>changes</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        rows,
    )


class AuditHistoryMixin:
    """Adds a read-only ``audit_history`` field; put it in a fieldset of its own."""

    @admin.display(description="audit history")
    def audit_history(self, obj) -> str:
        return audit_history(obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "audit_history"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [
            *fieldsets,
            ("Audit history", {"classes": ["collapse"], "fields": ["audit_history"]}),
        ]
