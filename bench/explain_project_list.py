"""EXPLAIN ANALYZE the SQL of the project list, as the API runs it, on the bench database.

    uv run python bench/explain_project_list.py [--database-url …] [--case admin-org] [--sql]

For each case (a user, with or without the organization filter, plus a filter) it runs the
list's queries the way ``OffsetOrCursorPagination`` does — the capped count, the first page
(``LIMIT 30``) and page 100 (``OFFSET 2970``) — captures the SQL Django sends, and prints the
``EXPLAIN (ANALYZE, BUFFERS)`` plan of each. ``measure_project_list.py`` appends the same
plans to RESULTS.md.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/percus_bench_h100k"
COUNT_CAP = 10_000  # backoffice.api.pagination.COUNT_CAP

#: name -> (email, filter by the organization?, extra filter, description)
CASES = {
    "admin-org": ("admin@bench.example", True, None, "OrganizationAdmin, ?organizationId="),
    "admin": ("admin@bench.example", False, None, "OrganizationAdmin, no organization filter"),
    "viewer": ("viewer@bench.example", False, None, "Viewer (member), no organization filter"),
    "viewer-org": ("viewer@bench.example", True, None, "Viewer (member), ?organizationId="),
    "guest": ("guest@other.example", False, None, "guest: sees Bench Bank only by grants"),
    "admin-search": ("admin@bench.example", True, ("search", "mortgage"), "?search=mortgage"),
    "admin-tag": ("admin@bench.example", True, ("tag", "whatsapp"), "?tag=whatsapp"),
}


def list_queryset(user, organization, extra=None):
    """The queryset of ``ProjectViewSet.scoped_queryset`` plus the filter set's filters."""
    from projects.models import Project

    projects = Project.objects.live().visible_to(user).select_related("organization", "created_by")
    if organization is not None:
        projects = projects.filter(organization=organization)
    if extra:
        kind, value = extra
        projects = projects.search(value) if kind == "search" else projects.with_tag(value)
    return projects


def captured_sql(queryset) -> list[tuple[str, str]]:
    """(label, SQL) of the queries one offset page runs: the capped count, page 1, page 100."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice.api.pagination import _page

    steps = [
        # As the API counts: ``count_capped`` (two halves of the rule for a split visibility).
        ("count (capped)", lambda: queryset.count_capped(COUNT_CAP)),
        ("page 1 (LIMIT 30)", lambda: list(queryset[:30])),
        # As the API pages (``backoffice.api.pagination._page``: keys first, then the rows).
        ("page 100 (OFFSET 2970)", lambda: list(_page(queryset, 2970, 30))),
    ]
    result = []
    for label, run in steps:
        with CaptureQueriesContext(connection) as captured:
            run()
        result.append((label, captured.captured_queries[-1]["sql"]))
    return result


def explain(sql: str) -> tuple[str, float]:
    """The plan text and the execution time (ms)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    execution = next(
        (float(line.split()[-2]) for line in lines if line.startswith("Execution Time")), 0.0
    )
    return "\n".join(lines), execution


def run_cases(names) -> list[dict]:
    from backoffice.models import Organization, User

    organization = Organization.objects.get(slug="bench-bank")
    reports = []
    for name in names:
        email, by_org, extra, description = CASES[name]
        user = User.objects.get(email=email)
        queryset = list_queryset(user, organization if by_org else None, extra)
        for label, sql in captured_sql(queryset):
            explain(sql)  # once to warm the cache, as the measured server is warm
            plan, ms = explain(sql)
            reports.append(
                {
                    "case": name,
                    "description": description,
                    "query": label,
                    "sql": sql,
                    "plan": plan,
                    "ms": ms,
                }
            )
    return reports


def apply_settings(assignments) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            cursor.execute("SELECT set_config(%s, %s, false)", [name.strip(), value.strip()])


def setup_django(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.local")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="(repeatable)")
    parser.add_argument("--sql", action="store_true", help="print each query's SQL too")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a session setting to try first, e.g. --set jit=off (repeatable)",
    )
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    apply_settings(args.set)
    for report in run_cases(args.case or list(CASES)):
        print(f"== {report['case']} ({report['description']}) — {report['query']}: "
              f"{report['ms']:.2f} ms")  # fmt: skip
        if args.sql:
            print(report["sql"])
        print(report["plan"])
        print()


if __name__ == "__main__":
    main()
