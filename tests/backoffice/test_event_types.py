"""Audit event types are one enumeration (``backoffice.events.EventType``): services name
events by member, an unknown type can't be written, and the enumeration lists exactly the
types the code records."""

import ast
from pathlib import Path

import pytest

from backoffice.actors import Actor
from backoffice.audit import record_event
from backoffice.events import EventType
from backoffice.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
APPS = ["backoffice", "projects", "templates", "shares", "credentials", "collaboration"]
APPS += ["webhooks"]


def sources() -> list[tuple[Path, ast.AST]]:
    return [
        (path, ast.parse(path.read_text()))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def event_calls(tree: ast.AST):
    """The event-type argument of each ``record_event(event_type=…)`` and ``_…event(…)``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
        if name == "record_event":
            yield from (k.value for k in node.keywords if k.arg == "event_type")
        elif name.startswith("_") and name.endswith("event") and node.args:
            yield node.args[0]


@pytest.mark.django_db
def test_an_unknown_event_type_is_refused():
    with pytest.raises(ValueError, match="PROJECT_ARCHIVD"):
        record_event(event_type="PROJECT_ARCHIVD", actor=Actor.system(), organization=None)

    assert not AuditEvent.objects.exists()


def test_services_name_events_by_member_never_by_string():
    literals = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for path, tree in sources()
        for argument in event_calls(tree)
        for node in ast.walk(argument)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert literals == []


def test_every_member_is_recorded_somewhere():
    used = {
        node.attr
        for _, tree in sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "EventType"
    }
    assert set(EventType.names) - used == set()
