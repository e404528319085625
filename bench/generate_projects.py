"""Fill a PostgreSQL database with a realistic project list for the benchmarks.

    uv run python bench/generate_projects.py --projects 100000
    uv run python bench/generate_projects.py --projects 100000 --reset \
        --database-url postgres://postgres@127.0.0.1:5432/percus_bench

It creates the database if it is missing, migrates it, and builds:

* "Bench Bank" with one user of each role (see ``USERS``; every password is ``PASSWORD``),
* "Other Insurance", a second organization with its own admin, a guest who is a Viewer there,
  and a few projects of its own,
* N projects in Bench Bank (names from word lists, ~70% Active / 20% Draft / 10% Archived,
  ~10% Private, ~1% in the trash, ~3% sub-projects, tags, job codes, categories,
  descriptions, created over two years),
* a direct ``projects.role_viewer`` grant on ~5% of Bench Bank's projects for the Viewer, and
  the same grants for the guest (who sees Bench Bank only through them).

Rows go in with PostgreSQL ``COPY`` in batches (bounded memory), then the tables are
``VACUUM ANALYZE``d so the planner has statistics, as it would in production. A database
that already holds Bench Bank projects is left alone unless ``--reset`` drops and recreates it.
"""

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/percus_bench"

BENCH_ORG = ("Bench Bank", "bench-bank")
OTHER_ORG = ("Other Insurance", "other-insurance-bench")
PASSWORD = "bench-password-2025"  # a known password, for a throwaway database
#: email -> (display name, organization slug, role)
USERS = {
    "admin@bench.example": ("Ada Admin", BENCH_ORG[1], "OrganizationAdmin"),
    "pm@bench.example": ("Pablo Manager", BENCH_ORG[1], "ProjectManager"),
    "dev@bench.example": ("Dana Developer", BENCH_ORG[1], "Developer"),
    "viewer@bench.example": ("Vera Viewer", BENCH_ORG[1], "Viewer"),
    "admin@other.example": ("Otto Admin", OTHER_ORG[1], "OrganizationAdmin"),
    "guest@other.example": ("Gina Guest", OTHER_ORG[1], "Viewer"),
}
GRANTEES = ("viewer@bench.example", "guest@other.example")
GRANT_FRACTION = 0.05

ACTIONS = [
    "Pre-Approval", "Welcome", "Renewal", "Upgrade", "Cross-Sell", "Onboarding",
    "Reactivation", "Payment Reminder", "Birthday", "Statement", "Retention", "Anniversary",
    "Bienvenida", "Crédito Pre-Aprobado", "Renovación",
]  # fmt: skip
PRODUCTS = [
    "Credit Card", "Personal Loan", "Mortgage", "Auto Insurance", "Home Insurance",
    "Savings Account", "Debit Card", "Travel Insurance", "Life Insurance", "Investment Fund",
    "Car Loan", "Student Loan", "Tarjeta Visa", "Seguro de Vida",
]  # fmt: skip
SEGMENTS = ["Premium", "Gold", "Platinum", "Youth", "SME", "Retail", "Private Banking", "Digital"]
CATEGORIES = [
    "Cards", "Loans", "Insurance", "Mortgages", "Savings", "Investments", "Onboarding",
    "Collections",
]  # fmt: skip
TAGS = [
    "q1", "q2", "q3", "q4", "retention", "acquisition", "cross-sell", "onboarding", "premium",
    "digital", "email", "sms", "whatsapp", "web", "pilot", "regulatory", "seasonal", "b2b",
    "b2c", "priority",
]  # fmt: skip
SENTENCES = [
    "Personalized video for customers pre-approved for a new product.",
    "Each viewer sees their name, their limit and their branch.",
    "Sent by e-mail and SMS after the monthly statement.",
    "Data feed refreshed nightly from the CRM export.",
    "Legal approved the disclaimer in the closing scene.",
    "The call to action opens the mobile banking app.",
    "Variant B shows the interest rate instead of the monthly fee.",
    "Targets customers whose card expires within 60 days.",
    "Campaña coordinada con el equipo de marketing digital.",
    "Includes a reminder of the loyalty points balance.",
]
LOCALES = ["es-CL", "es-MX", "pt-BR", "en-US"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000, help="projects in Bench Bank")
    parser.add_argument(
        "--other-projects", type=int, default=None, help="projects in the second org (N/100)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"PostgreSQL database to fill (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    if args.other_projects is None:
        args.other_projects = max(100, args.projects // 100)
    return args


# Database ---------------------------------------------------------------------------------


def prepare_database(url: str, reset: bool) -> None:
    """Create the database if it is missing; with ``reset``, drop it first."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"error: the benchmark needs PostgreSQL, not {parts.scheme!r}.")
    name = parts.path.lstrip("/")
    if not name:
        sys.exit("error: the database URL names no database.")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("error: the benchmark runs on a local PostgreSQL only (127.0.0.1).")
    if reset and "bench" not in name:
        sys.exit(f"error: --reset drops the database; refusing for {name!r} (no 'bench' in it).")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            print(f"dropping database {name}")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            print(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings.local"
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"  # no query log kept in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Rows -------------------------------------------------------------------------------------


class ProjectRows:
    """Generates project rows (as dicts keyed by column) with unique slugs per organization."""

    def __init__(self, rng: random.Random, organization_id, creators, now: datetime):
        from django.utils.text import slugify

        self.slugify = slugify
        self.rng = rng
        self.organization_id = organization_id
        self.creators = creators  # [(user_id, weight)]
        self.now = now
        self.slug_counts: dict[str, int] = {}
        self.recent_ids: list[uuid.UUID] = []

    def name(self) -> str:
        rng = self.rng
        words = [rng.choice(ACTIONS), rng.choice(PRODUCTS)]
        if rng.random() < 0.6:
            words.append(rng.choice(SEGMENTS))
        words.append(f"Q{rng.randint(1, 4)} {rng.choice((2024, 2025, 2026))}")
        return " ".join(words)

    def slug(self, name: str) -> str:
        base = self.slugify(name)[:250].strip("-") or "project"
        count = self.slug_counts.get(base, 0) + 1
        self.slug_counts[base] = count
        return base if count == 1 else f"{base}-{count}"

    def row(self, index: int) -> dict:
        rng = self.rng
        name = self.name()
        created_at = self.now - timedelta(seconds=rng.uniform(0, 730 * 86_400))
        age = (self.now - created_at).total_seconds()
        updated_at = created_at + timedelta(seconds=rng.uniform(0, min(age, 60 * 86_400)))
        roll = rng.random()
        status = "Active" if roll < 0.7 else "Draft" if roll < 0.9 else "Archived"
        archived_at = updated_at if status == "Archived" else None
        category = rng.choice(CATEGORIES)
        tags = rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4)))
        if rng.random() < 0.8:
            description = " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
        else:
            description = ""
        parent_id = None
        if self.recent_ids and rng.random() < 0.03:
            parent_id = rng.choice(self.recent_ids)
        project_id = uuid.uuid4()
        if len(self.recent_ids) < 1_000:
            self.recent_ids.append(project_id)
        else:
            self.recent_ids[index % 1_000] = project_id
        creator = rng.choices([c for c, _ in self.creators], weights=[w for _, w in self.creators])[
            0
        ]
        return {
            "id": project_id,
            "created_at": created_at,
            "updated_at": updated_at,
            "organization_id": self.organization_id,
            "name": name,
            "slug": self.slug(name),
            "description": description,
            "status": status,
            "visibility": "Private" if rng.random() < 0.1 else "Organization",
            "job_code": f"{category[:3].upper()}-{created_at.year}-{index:06d}",
            "external_id": f"CRM-{rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.3 else "",
            "category": category,
            "tags": tags,
            "parent_id": parent_id,
            "locale": rng.choice(LOCALES) if rng.random() < 0.1 else "",
            "created_by_id": creator,
            "archived_at": archived_at,
            "trashed_at": updated_at if rng.random() < 0.01 else None,
        }


def copy_rows(model, rows: list[dict]) -> None:
    """COPY rows into the model's table. Columns the generator doesn't know (added later by
    someone else) get the field's default, prepared as Django would."""
    import json

    from django.db import connection

    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in rows[0])
    ]
    columns = [f.column for f in fields]
    defaults = {}
    for field in fields:
        if field.attname not in rows[0]:
            defaults[field.attname] = field.get_db_prep_save(field.get_default(), connection)
    json_columns = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    statement = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(c) for c in columns),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = []
            for field in fields:
                if field.attname in defaults:
                    values.append(defaults[field.attname])
                elif field.attname in json_columns:
                    values.append(json.dumps(row[field.attname]))
                else:
                    values.append(row[field.attname])
            copy.write_row(values)


# Build ------------------------------------------------------------------------------------


def build(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - started:.1f} s")

    from backoffice.models import Membership, Organization, User
    from projects.models import Project, ProjectUserObjectPermission

    bench_org, _ = Organization.objects.get_or_create(
        slug=BENCH_ORG[1], defaults={"name": BENCH_ORG[0], "default_locale": "es-CL"}
    )
    existing = Project.objects.filter(organization=bench_org).count()
    if existing:
        print(
            f"{BENCH_ORG[0]} already has {existing} projects: nothing to do "
            "(pass --reset to rebuild the database)."
        )
        return

    t_users = time.perf_counter()
    other_org, _ = Organization.objects.get_or_create(
        slug=OTHER_ORG[1], defaults={"name": OTHER_ORG[0], "default_locale": "pt-BR"}
    )
    orgs = {bench_org.slug: bench_org, other_org.slug: other_org}
    password_hash = make_password(PASSWORD)  # one hash for every bench user: it is slow
    users = {}
    for email, (display_name, org_slug, role) in USERS.items():
        user, _ = User.objects.get_or_create(
            email=email, defaults={"display_name": display_name, "password": password_hash}
        )
        Membership.objects.update_or_create(
            user=user, organization=orgs[org_slug], defaults={"role": role}
        )
        users[email] = user
    print(f"organizations and users: {time.perf_counter() - t_users:.1f} s")

    rng = random.Random(args.seed)  # noqa: S311 - reproducible fake data, no secrets
    now = datetime.now(UTC)
    viewer_grant = Permission.objects.get(
        content_type__app_label="projects", codename="role_viewer"
    )
    grantees = [users[email].pk for email in GRANTEES]

    def fill(organization, count, creators, grant_fraction):
        generator = ProjectRows(rng, organization.pk, creators, now)
        made = granted = 0
        while made < count:
            size = min(args.batch_size, count - made)
            rows = [generator.row(made + i) for i in range(size)]
            grants = []
            for row in rows:
                if grant_fraction and rng.random() < grant_fraction:
                    grants.extend(
                        {
                            "permission_id": viewer_grant.pk,
                            "user_id": u,
                            "content_object_id": row["id"],
                        }
                        for u in grantees
                    )
            with transaction.atomic():
                copy_rows(Project, rows)
                if grants:
                    copy_rows(ProjectUserObjectPermission, grants)
            made += size
            granted += len(grants)
            progress = f"  {organization.name}: {made}/{count} projects, {granted} grants"
            if sys.stdout.isatty():
                print("\r" + progress, end="\n" if made == count else "", flush=True)
            elif made == count or made % (args.batch_size * 5) == 0:
                print(progress, flush=True)

    t_projects = time.perf_counter()
    admin, pm = users["admin@bench.example"].pk, users["pm@bench.example"].pk
    fill(bench_org, args.projects, [(admin, 4), (pm, 6)], GRANT_FRACTION)
    fill(other_org, args.other_projects, [(users["admin@other.example"].pk, 1)], 0)
    projects_time = time.perf_counter() - t_projects
    print(f"projects and grants: {projects_time:.1f} s")

    t_analyze = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Project, ProjectUserObjectPermission, Membership, User, Organization):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    print(f"vacuum analyze: {time.perf_counter() - t_analyze:.1f} s")

    live = Project.objects.filter(organization=bench_org, trashed_at__isnull=True).count()
    print(
        f"done: {args.projects} projects in {BENCH_ORG[0]} ({live} live), "
        f"{args.other_projects} in {OTHER_ORG[0]}, "
        f"{ProjectUserObjectPermission.objects.count()} grants; "
        f"total {time.perf_counter() - started:.1f} s "
        f"(projects {args.projects / projects_time:,.0f}/s)"
    )
    print(
        "users (password " + PASSWORD + "): " + ", ".join(f"{e} ({v[2]})" for e, v in USERS.items())
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    prepare_database(args.database_url, args.reset)
    setup_django(args.database_url)
    build(args)
    print(f"elapsed: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
