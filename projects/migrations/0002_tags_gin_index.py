"""A GIN index for the tag filter (``tags @> '["tag"]'``), on PostgreSQL only: SQLite, the
development default, has no such index and scans instead."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS project_tags_gin ON projects_project USING gin (tags)"
DROP = "DROP INDEX IF EXISTS project_tags_gin"


def run_on_postgresql(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
