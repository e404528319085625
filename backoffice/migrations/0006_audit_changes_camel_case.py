"""Audit ``changes`` keyed by the API's camelCase field names in every event (SPEC §16):
the events written before, e.g. a project's ``job_code``, are rewritten as ``jobCode``. Only
the keys change. This is the one rewrite of stored events, done once, here."""

import re

from django.db import migrations
from django.db.models import TextField
from django.db.models.functions import Cast

SNAKE = re.compile(r"_([a-z0-9])")
BATCH = 1000


def camel(name: str) -> str:
    return SNAKE.sub(lambda match: match.group(1).upper(), name)


def camel_case_changes(apps, schema_editor):
    AuditEvent = apps.get_model("backoffice", "AuditEvent")
    # Only events whose stored JSON has an underscore somewhere can have a snake_case key.
    candidates = (
        AuditEvent.objects.annotate(text=Cast("changes", TextField()))
        .filter(text__contains="_")
        .only("pk", "changes")
        .order_by("pk")
    )
    batch = []
    for event in candidates.iterator(chunk_size=BATCH):
        if not isinstance(event.changes, dict):
            continue
        renamed = {camel(key): value for key, value in event.changes.items()}
        if list(renamed) != list(event.changes):
            event.changes = renamed
            batch.append(event)
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_update(batch, ["changes"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["changes"])


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0005_organization_require_prod_approval")]

    # Reversing keeps camelCase: which keys were snake_case is not recorded.
    operations = [migrations.RunPython(camel_case_changes, migrations.RunPython.noop)]
