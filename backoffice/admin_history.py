"""The audit history of an object, as people read it: its "History" page in the admin (and a
section of its change page) lists the audit events naming it, newest first — when, what
happened in words, who did it and how (their session, a personal token, an API credential,
a command), and what changed, before → after, with the names of the templates, channels,
projects and people an event names instead of their ids."""

import re
import uuid
from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from . import admin_display as display
from .models import AuditEvent
from .permissions import active_org_roles

HISTORY_LENGTH = 50
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
EMAIL_TEXT = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def events_about(obj) -> list[AuditEvent]:
    """The latest audit events naming this object among their targets (GIN-indexed on
    PostgreSQL; SQLite, the development default, scans its JSON text)."""
    if connection.vendor == "postgresql":
        events = AuditEvent.objects.filter(targets__contains=[{"id": str(obj.pk)}])
    else:
        events = AuditEvent.objects.filter(targets__icontains=f'"{obj.pk}"')
    return list(events.select_related("actor_user").order_by("-created_at", "-id")[:HISTORY_LENGTH])


def event_in_words(event_type: str) -> str:
    """``CHANNEL_PUBLISHED`` → "Channel published"."""
    return capfirst(event_type.replace("_", " ").lower())


#: Words spelled as people write them in a field's name.
FIELD_WORDS = {"api": "API", "url": "URL", "cta": "CTA", "ip": "IP", "json": "JSON"}


def field_in_words(name: str) -> str:
    """``activeTemplate`` → "active template", ``cta_url`` → "CTA URL",
    ``apiCredentialId`` → "API credential" (an id is named by what it points at)."""
    words = CAMEL.sub(" ", name).replace("_", " ").lower().split()
    if len(words) > 1 and words[-1] == "id":
        words = words[:-1]
    return " ".join(FIELD_WORDS.get(word, word) for word in words)


_CHOICE_LABELS: dict[str, dict[str, str]] | None = None


def choice_labels() -> dict[str, dict[str, str]]:
    """The labels of every choice field of the admin's models, by field name and value
    (``kind``: ``LottieStandalone`` → "Lottie Standalone"), read once."""
    global _CHOICE_LABELS
    if _CHOICE_LABELS is None:
        labels: dict[str, dict[str, str]] = {}
        for model in _models_by_name().values():
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or []:
                    if isinstance(value, str) and value:
                        labels.setdefault(field.name, {}).setdefault(value, str(label))
        _CHOICE_LABELS = labels
    return _CHOICE_LABELS


def choice_in_words(field: str, value: str) -> str | None:
    """A coded value of ``field`` (``status``, ``templateStatus``, ``kind``, ``role``) as
    the admin shows it elsewhere; statuses without choices ("active") capitalised."""
    snake = CAMEL.sub("_", field).lower()
    labels = choice_labels()
    for name in (snake, snake.rpartition("_")[2]):
        if value in labels.get(name, {}):
            label = labels[name][value]
            return capfirst(label.lower()) if name == "role" else label
    if snake.endswith("status"):
        return capfirst(value)
    return None


def _models_by_name() -> dict[str, type]:
    """The models the admin shows, by model name (the ``type`` of an event's targets)."""
    return {model._meta.model_name: model for model in admin.site._registry}


class Names:
    """The names of what a page of events points at by id: first the labels the events
    carry in their targets, then, for ids no target names (a former template, a parent
    project), one query per kind of object still in the database."""

    def __init__(self, events: list[AuditEvent]):
        self.labels: dict[str, str] = {}
        self.objects: dict[str, Any] = {}
        models = _models_by_name()
        wanted: set[str] = set()
        people: set[str] = set()
        emails: set[str] = set()
        for event in events:
            for item in event.targets or []:
                if item.get("id"):
                    self.labels.setdefault(str(item["id"]), item.get("label") or item["id"])
                    if item.get("type") == "user":
                        people.add(str(item["id"]))
            wanted |= set(_uuids(event.changes))
            emails |= set(_uuids(event.changes, EMAIL_TEXT))
        # People by the name they go by now (an event's label is the e-mail it was written
        # with): one query for the users the page names.
        user_model = models.get("user")
        if user_model is not None and people:
            for pk, name in user_model._default_manager.filter(pk__in=people).values_list(
                "pk", "display_name"
            ):
                if name:
                    self.labels[str(pk)] = name
        # Some events stored a person as their e-mail (a deploy's requester): by name too.
        if user_model is not None and emails:
            for email, name in user_model._default_manager.filter(email__in=emails).values_list(
                "email", "display_name"
            ):
                if name:
                    self.labels[email] = name
        if events:
            wanted |= {str(event.project_id) for event in events if event.project_id}
        missing = {value for value in wanted if value not in self.labels}
        for name in ("project", "template", "apicredential", "user", "distributionchannel"):
            model = models.get(name)
            if model is None or not missing:
                continue
            for obj in model._default_manager.filter(pk__in=missing):
                self.labels[str(obj.pk)] = obj.get_full_name() if name == "user" else str(obj)
                self.objects[str(obj.pk)] = obj
                missing.discard(str(obj.pk))

    def __call__(self, value: str) -> str | None:
        return self.labels.get(value)


def _uuids(value, pattern: re.Pattern = UUID_TEXT) -> list[str]:
    if isinstance(value, str):
        return [value] if pattern.match(value) else []
    if isinstance(value, dict):
        return [found for item in value.values() for found in _uuids(item, pattern)]
    if isinstance(value, list):
        return [found for item in value for found in _uuids(item, pattern)]
    return []


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def value_in_words(value, names: Names, *, person: bool = False, field: str = "") -> str:
    """A stored value as a sentence reads it: "—" for nothing, yes/no, names for ids, lists
    comma-separated, times in the site's zone, coded values of ``field`` by their labels
    ("Active", "Lottie Standalone"); with ``person`` (a field naming who, such as
    ``requestedBy``), a stored e-mail as that person's name."""
    if _empty(value):
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(value_in_words(item, names, field=field) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {value_in_words(item, names)}" for key, item in value.items())
    if isinstance(value, str):
        if UUID_TEXT.match(value):
            return f"“{names(value)}”" if names(value) else value
        if person and EMAIL_TEXT.match(value):
            return names(value) or value
        label = choice_in_words(field, value) if field else None
        if label is not None:
            return label
        moment = parse_datetime(value) if "T" in value and value[:4].isdigit() else None
        if moment is not None:
            return _when(moment)
    return str(value)


def _when(moment: datetime) -> str:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


def actor_in_words(event: AuditEvent) -> str:
    """Who acted and how: "ana@… (session)", "ana@… with the token pbt_ab…", "the API
    credential pk_…", "the command archive_projects"."""
    person = event.actor_user
    who = display.link(person, person.display_name or person.email) if person else None
    if event.actor_kind == AuditEvent.ActorKind.USER:
        return format_html("{} <small>(signed in)</small>", who or event.actor_label)
    if event.actor_kind == AuditEvent.ActorKind.TOKEN:
        prefix = event.actor_label.rpartition("(")[2].rstrip(")") or "a personal token"
        return format_html("{} <small>with the token {}</small>", who or "someone", prefix)
    if event.actor_kind == AuditEvent.ActorKind.CREDENTIAL:
        return format_html("the API credential <code>{}</code>", event.actor_label)
    label = event.actor_label or "system"
    if label.startswith("command:"):
        return format_html('the <code class="nowrap">{}</code> command', label.partition(":")[2])
    return format_html("the system <small>({})</small>", label)


def changes_in_words(event: AuditEvent, names: Names) -> str:
    """Each change as "field: before → after"; a field empty before and after (a creation
    listing every field) is left out."""
    rows = [
        (
            field_in_words(field),
            value_in_words(change.get("before"), names, person=_names_a_person(field), field=field),
            value_in_words(change.get("after"), names, person=_names_a_person(field), field=field),
        )
        for field, change in (event.changes or {}).items()
        if isinstance(change, dict)
        and not (_empty(change.get("before")) and _empty(change.get("after")))
    ]
    if not rows:
        return "—"
    return format_html_join(
        "",
        '<div><span class="field">{}</span>: <span class="before">{}</span> → {}</div>',
        rows,
    )


def _names_a_person(field: str) -> bool:
    """``requestedBy``, ``approved_by``…: a field whose value is who did it."""
    return field.lower().endswith("by")


def targets_in_words(event: AuditEvent, obj, names: Names | None = None) -> str:
    """What else the event names (the channel, the template…), the object itself left out;
    people by their names when ``names`` knows them."""
    models = _models_by_name()
    others = [
        item for item in event.targets or [] if str(item.get("id")) != str(getattr(obj, "pk", ""))
    ]
    parts = []
    for item in others:
        model = models.get(item.get("type", ""))
        label = target_label(item, names)
        kind = str(model._meta.verbose_name) if model else item.get("type", "")
        if item.get("type") in (
            "distributionchannel",
            "publicvideoshare",
            "deployrequest",
            "template",
        ):
            kind = ""  # the label says what it is ("PROD channel", "template X")
        url = None
        if model is not None:
            try:
                url = display.admin_url(model(pk=uuid.UUID(str(item["id"]))))
            except (ValueError, KeyError, TypeError):
                url = None
        parts.append(
            format_html('{}<a href="{}">{}</a>', f"{kind} " if kind else "", url, label)
            if url
            else format_html("{}{}", f"{kind} " if kind else "", label)
        )
    return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts)) if parts else "—"


#: A word longer than this (a URL, a key) is cut in the audit list rather than wrapped.
LONG_UNBROKEN = 40


def target_label(item: dict, names: Names | None = None) -> str:
    """One target as the trail names it: "PROD channel", "PROD share", "deploy request to
    PROD", "template Welcome video 1.0", a person by the name they go by now."""
    kind = item.get("type", "")
    label = str(item.get("label") or item.get("id") or "")
    if kind == "user" and names is not None:
        return str(names(str(item.get("id"))) or label)
    if kind == "distributionchannel":
        return f"{label.rpartition(' · ')[2]} channel"
    if kind == "publicvideoshare":
        return label.rpartition(" · ")[2]
    if kind == "deployrequest":
        channel = label.partition(" → ")[2].partition(" (")[0]
        return f"deploy request to {channel}" if channel else "deploy request"
    if kind == "template":
        return f"template {label}"
    return label


def about_in_words(event: AuditEvent, names: Names | None = None, *, cut: bool = False) -> str:
    """What the event is about besides its project and organization (they have columns of
    their own): the channel, the template, the token, the person… With ``cut`` (the list),
    a long unbroken value such as a webhook URL is cut with an ellipsis, the whole of it
    its tooltip; names wrap between words."""
    items = [
        item for item in event.targets or [] if item.get("type") not in ("project", "organization")
    ]
    labels = [target_label(item, names) for item in items]
    if not labels:
        return "—"

    def shown(label: str) -> str:
        if cut and any(len(word) > LONG_UNBROKEN for word in label.split()):
            return display.truncated(label)
        return format_html('<span class="about-item">{}</span>', label)

    return format_html_join(", ", "{}", ((shown(label),) for label in labels))


def history_rows(obj, events: list[AuditEvent] | None = None) -> list[dict[str, str]]:
    events = events_about(obj) if events is None else events
    names = Names(events)
    return [
        {
            "when": _when(event.created_at),
            "what": event_in_words(event.event_type),
            "event_type": event.event_type,
            "who": actor_in_words(event),
            "about": targets_in_words(event, obj, names),
            "changes": changes_in_words(event, names),
        }
        for event in events
    ]


def audit_history(obj) -> str:
    if obj is None or not obj.pk:
        return "—"
    rows = history_rows(obj)
    if not rows:
        return "No events yet."
    body = format_html_join(
        "",
        '<tr><td class="nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="change">{}</td></tr>',
        ((r["when"], r["what"], r["who"], r["about"], r["changes"]) for r in rows),
    )
    return format_html(
        '<table class="history-table"><thead><tr><th>when</th><th>what happened</th>'
        "<th>by</th><th>also about</th><th>changes</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


class AuditHistoryPageMixin:
    """The admin's "History" button shows the object's audit events (Django's own history
    only knows the admin's log, which the API, commands and services never write)."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "rows": history_rows(obj),
            "limit": HISTORY_LENGTH,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/percus/audit_history.html", context)


class AuditHistoryMixin(AuditHistoryPageMixin):
    """Adds a read-only ``audit_history`` field (in a fieldset of its own) and the History
    page."""

    @admin.display(description="audit history")
    def audit_history(self, obj) -> str:
        return audit_history(obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "audit_history"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # A subclass that replaces get_readonly_fields without super() drops the field:
        # then no section (a form field by that name would not exist).
        if obj is None or "audit_history" not in self.get_readonly_fields(request, obj):
            return fieldsets
        return [
            *fieldsets,
            ("Audit history", {"classes": ["collapse"], "fields": ["audit_history"]}),
        ]


RECENT_ACTIONS = 10


def recent_actions(user, limit: int = RECENT_ACTIONS) -> list[dict[str, str]]:
    """The user's own latest audit events, for the admin index's "Recent actions" (Django's
    LogEntry there stays empty: every change is audited as an ``AuditEvent`` by its service).
    Scoped as the user's access is now: the events of organizations where their membership is
    active, and those of no organization (their own tokens, profile); the Owner's all."""
    if not getattr(user, "is_authenticated", False):
        return []
    events = AuditEvent.objects.filter(actor_user=user)
    if not user.is_superuser:
        events = events.filter(
            Q(organization_id__in=list(active_org_roles(user))) | Q(organization__isnull=True)
        )
    models = _models_by_name()
    rows = []
    for event in events.order_by("-created_at", "-id")[:limit]:
        item = next(
            (t for t in event.targets or [] if t.get("type") != "organization"),
            (event.targets or [{}])[0] if event.targets else {},
        )
        label = item.get("label") or ""
        model = models.get(item.get("type", ""))
        url = None
        if model is not None and item.get("id"):
            try:
                url = display.admin_url(model(pk=uuid.UUID(str(item["id"]))))
            except (ValueError, TypeError):
                url = None
        rows.append(
            {
                "what": event_in_words(event.event_type),
                "label": label,
                "url": url or "",
                "kind": capfirst(str(model._meta.verbose_name)) if model else "",
                "when": _when(event.created_at),
            }
        )
    return rows
