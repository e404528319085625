"""Trigram index for ``?search=`` (substring match on name, slug, job code, description),
on PostgreSQL only. Django's ``icontains`` compares ``UPPER(col::text)``, so the index is on
the same expressions. Needs the pg_trgm extension (in PostgreSQL's contrib package)."""

from django.db import migrations

COLUMNS = ("name", "slug", "job_code", "description")
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS project_search_trgm ON projects_project USING gin ("
    + ", ".join(f"upper({column}::text) gin_trgm_ops" for column in COLUMNS)
    + ")",
]
DROP = ["DROP INDEX IF EXISTS project_search_trgm"]


def run_on_postgresql(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_tags_gin_index")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
