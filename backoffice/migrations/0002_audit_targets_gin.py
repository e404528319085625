"""A GIN index over audit-event targets, for "the history of this object" on PostgreSQL
(``targets @> '[{"id": …}]'``). SQLite, the development default, has no such index."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS auditevent_targets_gin "
    "ON backoffice_auditevent USING gin (targets jsonb_path_ops)"
)
DROP = "DROP INDEX IF EXISTS auditevent_targets_gin"


def run_on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
