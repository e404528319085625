"""One trigram index for ``?search=`` over the searched fields run together, on PostgreSQL
only (SQLite searches the table as before).

``ProjectQuerySet.search`` matches a substring of the name, slug, job code or description.
0003 indexed the four columns apart, and PostgreSQL answered a search with four scans of that
index OR-ed into one bitmap and a recheck of every row of it (bench: 306 ms at 1 000 000
projects, the planner misjudging how many rows match). ``search`` now asks
``UPPER((name || sep || slug || sep || job_code || sep || description)::text) LIKE …`` (the
expression indexed here, as Django writes ``icontains``; ``sep`` is U+001F, so a text without
it matches exactly when one field does): one index scan, the same rows, and statistics of
its own for the planner. 0003's index, used by nothing now, is dropped."""

from django.db import migrations

COLUMNS = ("name", "slug", "job_code", "description")
OLD = (
    "CREATE INDEX IF NOT EXISTS project_search_trgm ON projects_project USING gin ("
    + ", ".join(f"upper({column}::text) gin_trgm_ops" for column in COLUMNS)
    + ")"
)
# ``projects.querysets.SearchText`` as Django writes it for ``icontains``; fields apart by
# U+001F, so a match never spans two of them.
SEPARATOR = "E'\\x1f'"
NEW = (
    "CREATE INDEX IF NOT EXISTS project_search_text_trgm ON projects_project USING gin "
    f"((upper((name || {SEPARATOR} || slug || {SEPARATOR} || job_code || {SEPARATOR} || "
    "description)::text)) gin_trgm_ops)"
)
CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm", NEW, "DROP INDEX IF EXISTS project_search_trgm"]
DROP = [OLD, "DROP INDEX IF EXISTS project_search_text_trgm"]


def run_on_postgresql(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_verbose_names")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
