"""Fill a PostgreSQL database with a realistic data set for the benchmarks.

    uv run python bench/generate_projects.py --projects 1000000 --reset \
        --database-url postgres://postgres@127.0.0.1:5432/percus_bench_h1m

It creates the database if it is missing, migrates it, and builds:

* "Bench Bank" with one user of each role (see ``USERS``; every password is ``PASSWORD``),
  and a staff superuser (``STAFF``) for the admin,
* "Other Insurance", a second organization with its own admin, a guest who is a Viewer there,
  and N/100 projects of its own,
* N projects in Bench Bank (names from word lists, ~70% Active / 20% Draft / 10% Archived,
  ~10% Private, ~1% in the trash, ~3% sub-projects, tags, job codes, categories,
  descriptions, created over two years),
* a direct ``projects.role_viewer`` grant on ~5% of Bench Bank's projects for the Viewer, and
  the same grants for the guest (who sees Bench Bank only through them),
* for every project: 1-3 template versions (one Production in Active projects) and their
  file rows (pointing at a few real files written once under ``MEDIA_ROOT``), the DEV,
  STAGING and PROD channels; a PROD share on ~20%, an API credential on ~10% (all with the
  known secret ``CREDENTIAL_SECRET``), ~2 comments, and the audit events of all of it.

Projects and grants go in with ``COPY`` in batches (bounded memory); the rest is derived
server-side with ``INSERT … SELECT``. Keys, indexes and foreign keys are dropped for the load
and put back afterwards, then the tables are ``VACUUM ANALYZE``d. A finished build is marked
in the ``bench_dataset`` table (size, seed, generator version); ``--reset`` drops and
recreates the database. Each step's time is printed.
"""

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/percus_bench_h100k"
#: Where the bench's real template files live; the server of the benchmarks uses it too.
MEDIA_ROOT = ROOT / "bench" / ".media"
#: A fixed HMAC key for stored secrets, so the credentials' known secret authenticates in
#: any server process started with it (``TOKEN_HASH_KEY``).
TOKEN_HASH_KEY = "percus-bench-token-hash-key-not-a-secret"
#: The secret of every generated API credential (each has its own ``pk_`` key).
CREDENTIAL_SECRET = "sk_" + "BenchSecret0" * 3 + "Bench0B"
STAFF = "staff@bench.example"  # a superuser, for the Django admin

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
    os.environ["MEDIA_ROOT"] = str(MEDIA_ROOT)
    os.environ["TOKEN_HASH_KEY"] = TOKEN_HASH_KEY
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Rows -------------------------------------------------------------------------------------


class ProjectRows:
    """Generates project rows (as dicts keyed by column) with unique slugs per organization.
    Names, tag sets and descriptions are drawn from pools built once, so a row costs a few
    ``random()`` calls."""

    def __init__(self, rng: random.Random, organization_id, creators, now: datetime):
        from django.utils.text import slugify

        self.rng = rng
        self.organization_id = organization_id
        total = sum(weight for _, weight in creators)
        self.creators = []  # [(cumulative share, user_id)]
        running = 0.0
        for user_id, weight in creators:
            running += weight / total
            self.creators.append((running, user_id))
        self.now = now
        self.slug_counts: dict[str, int] = {}
        self.recent_ids: list[uuid.UUID] = []
        words = {w: slugify(w) for w in (*ACTIONS, *PRODUCTS, *SEGMENTS)}
        periods = [(f"Q{q} {y}", f"q{q}-{y}") for q in range(1, 5) for y in (2024, 2025, 2026)]

        def names(segments):
            return [
                (" ".join([a, p, *s, period]),
                 "-".join([words[a], words[p], *(words[x] for x in s), ps]))
                for a in ACTIONS for p in PRODUCTS for s in segments for period, ps in periods
            ]  # fmt: skip

        self.with_segment = names([(x,) for x in SEGMENTS])
        self.without_segment = names([()])
        self.tag_pool = [
            rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))) for _ in range(4096)
        ]
        self.description_pool = [
            " ".join(rng.sample(SENTENCES, rng.randint(1, 4))) for _ in range(1024)
        ]

    def slug(self, base: str) -> str:
        count = self.slug_counts.get(base, 0) + 1
        self.slug_counts[base] = count
        return base if count == 1 else f"{base}-{count}"

    def row(self, index: int) -> dict:
        r = self.rng.random
        pool = self.with_segment if r() < 0.6 else self.without_segment
        name, slug_base = pool[int(r() * len(pool))]
        created_at = self.now - timedelta(seconds=r() * 730 * 86_400)
        age = (self.now - created_at).total_seconds()
        updated_at = created_at + timedelta(seconds=r() * min(age, 60 * 86_400))
        roll = r()
        status = "Active" if roll < 0.7 else "Draft" if roll < 0.9 else "Archived"
        category = CATEGORIES[int(r() * len(CATEGORIES))]
        description = self.description_pool[int(r() * 1024)] if r() < 0.8 else ""
        parent_id = None
        if self.recent_ids and r() < 0.03:
            parent_id = self.recent_ids[int(r() * len(self.recent_ids))]
        project_id = uuid.uuid4()
        if len(self.recent_ids) < 1_000:
            self.recent_ids.append(project_id)
        else:
            self.recent_ids[index % 1_000] = project_id
        pick = r()
        creator = next(user for share, user in self.creators if pick <= share)
        return {
            "id": project_id,
            "created_at": created_at,
            "updated_at": updated_at,
            "organization_id": self.organization_id,
            "name": name,
            "slug": self.slug(slug_base),
            "description": description,
            "status": status,
            "visibility": "Private" if r() < 0.1 else "Organization",
            "job_code": f"{category[:3].upper()}-{created_at.year}-{index:06d}",
            "external_id": f"CRM-{10**7 + int(r() * 9 * 10**7)}" if r() < 0.3 else "",
            "category": category,
            "tags": self.tag_pool[int(r() * 4096)],
            "parent_id": parent_id,
            "locale": LOCALES[int(r() * len(LOCALES))] if r() < 0.1 else "",
            "created_by_id": creator,
            "archived_at": updated_at if status == "Archived" else None,
            "trashed_at": updated_at if r() < 0.01 else None,
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
    plan = [
        (0, defaults[f.attname]) if f.attname in defaults
        else (1, f.attname) if f.attname in json_columns
        else (2, f.attname)
        for f in fields
    ]  # fmt: skip
    dumps = json.dumps
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if kind == 0 else dumps(row[value]) if kind == 1 else row[value]
                    for kind, value in plan
                ]
            )


# Build ------------------------------------------------------------------------------------

#: Bulk-loaded tables whose secondary indexes are dropped during the load and rebuilt after.
BULK_TABLES = (
    "projects_project",
    "projects_projectuserobjectpermission",
    "video_templates_template",
    "video_templates_templatefile",
    "shares_distributionchannel",
    "shares_publicvideoshare",
    "shares_sharedailycount",
    "credentials_apicredential",
    "collaboration_comment",
    "backoffice_auditevent",
)


def write_media_files() -> dict[str, tuple[str, int, str, str, str]]:
    """The few real template files every template row points at (written once, shared by
    path). Returns role -> (storage name, size, sha256, content type, original name)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    lottie = {
        "v": "5.7.4", "fr": 25, "ip": 0, "op": 50, "w": 640, "h": 360, "nm": "bench",
        "ddd": 0, "assets": [], "layers": [],
    }  # fmt: skip
    contents = {
        "template_json": (json.dumps(lottie), "application/json", "template.json"),
        "manifest_json": (
            json.dumps({"bindings": BINDINGS}),
            "application/json",
            "manifest.json",
        ),
        "overlay_json": (json.dumps(lottie), "application/json", "overlay.json"),
        "video": ("\x00\x00\x00\x18ftypmp42bench", "video/mp4", "background.mp4"),
        "poster": ("\x89PNG\r\n\x1a\nbench", "image/png", "poster.png"),
    }
    files = {}
    for role, (text, content_type, name) in contents.items():
        data = text.encode("latin-1")
        path = f"bench/shared/{name}"
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(data))
        files[role] = (path, len(data), hashlib.sha256(data).hexdigest(), content_type, name)
    return files


def drop_indexes(cursor) -> tuple[dict[str, list[str]], list[str]]:
    """Drop the bulk tables' indexes and constraints (primary keys, unique constraints and
    foreign keys, theirs and those pointing at them; NOT NULL and CHECK constraints stay), so
    the load only appends to heaps. Returns the statements that put everything back: each
    table's keys then indexes (tables are independent), and the foreign keys, to add once
    every key is back (PostgreSQL validates them against the loaded rows)."""
    cursor.execute(
        """
        SELECT DISTINCT c.oid, c.conrelid::regclass::text, quote_ident(c.conname), c.contype,
            pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype IN ('p', 'u', 'f')
          AND (c.conrelid = ANY(%s::regclass[]) OR c.confrelid = ANY(%s::regclass[]))
        """,
        [list(BULK_TABLES), list(BULK_TABLES)],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
            i.indrelid::regclass::text
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(BULK_TABLES)],
    )
    indexes = cursor.fetchall()
    foreign = [c for c in constraints if c[3] == "f"]
    keys = [c for c in constraints if c[3] != "f"]
    for _, table, name, _, _ in [*foreign, *keys]:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    per_table: dict[str, list[str]] = {}
    for _, table, name, _, definition in keys:
        per_table.setdefault(table, []).append(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        )
    for _, definition, table in indexes:
        per_table.setdefault(table, []).append(definition)
    return per_table, [
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {d}" for _, table, name, _, d in foreign
    ]


def in_parallel(jobs: list[list[str]], setup: tuple[str, ...] = (), workers: int = 2) -> None:
    """Run each job's statements in order, ``workers`` jobs at a time, each thread on its
    own database connection (Django's connections are per thread)."""
    from concurrent.futures import ThreadPoolExecutor

    def work(statements: list[str]) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                for statement in (*setup, *statements):
                    cursor.execute(statement)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, job) for job in jobs]:
            future.result()


def largest_first(tables) -> list[str]:
    """The tables, largest on disk first (so two workers finish together)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, pg_total_relation_size(t::regclass) FROM unnest(%s::text[]) t",
            [list(tables)],
        )
        return [t for t, _ in sorted(cursor.fetchall(), key=lambda row: -row[1])]


#: The tables the load has finished with after each step (nothing later reads them), whose
#: keys and indexes can be rebuilt in the background while the load goes on.
FINISHED_AFTER = {
    "projects and grants (COPY)": ("projects_projectuserobjectpermission",),
    "plan": ("projects_project",),
    "template files": ("video_templates_templatefile",),
    "audit events: TEMPLATE_UPLOADED": ("video_templates_template",),
    "audit events: CHANNEL_PUBLISHED": ("shares_distributionchannel",),
    "audit events: SHARE_CREATED": ("shares_publicvideoshare",),
    "audit events: CREDENTIAL_CREATED": ("credentials_apicredential",),
    "audit events: COMMENT_ADDED": ("collaboration_comment",),
}


class Restorer:
    """Rebuilds keys and indexes on two background connections, a table's as soon as the
    load has finished with it, so index builds overlap with the rest of the load."""

    def __init__(self, statements: dict[str, list[str]], setup: tuple[str, ...]):
        from concurrent.futures import ThreadPoolExecutor

        self.statements = statements
        self.setup = setup
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.futures: list = []

    def table_done(self, *tables: str) -> None:
        for table in tables:
            for statement in self.statements.pop(table, []):
                self.futures.append(self.pool.submit(in_parallel, [[statement]], self.setup, 1))

    def finish(self) -> None:
        """Queue what is left and wait for everything (an error is raised here)."""
        self.table_done(*list(self.statements))
        try:
            for future in self.futures:
                future.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


class Steps:
    """Prints and keeps the duration of each step."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.started = time.perf_counter()

    def run(self, name: str, function, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.times[name] = time.perf_counter() - started
        print(f"{name}: {self.times[name]:.1f} s", flush=True)
        return result


def sql_steps(seed: int, digest: str, files: dict, author) -> list[tuple[str, str, list]]:
    """(name, SQL, parameters) of the steps that derive the other tables from the projects,
    server-side (``INSERT … SELECT``: no rows travel through Python). A temporary plan table
    draws each project's random shape once (versions, kind, credential, comments, share)."""
    file_rows = ", ".join(
        "(%s, %s, %s, %s, %s, %s, %s)" for kind, roles in TEMPLATE_FILES.items() for _ in roles
    )
    file_params = [
        value
        for kind, roles in TEMPLATE_FILES.items()
        for role in roles
        for value in (kind, role, *files[role])
    ]
    return [
        ("seed", "SELECT setseed(%s)", [(seed % 1000) / 1000]),
        (
            "plan",
            """
            CREATE TEMPORARY TABLE bench_plan AS
            SELECT id, created_at, updated_at, created_by_id AS creator, status,
                organization_id, name, trashed_at,
                CASE WHEN random() < 0.6 THEN 1 WHEN random() < 0.75 THEN 2 ELSE 3 END
                    AS versions,
                CASE WHEN random() < 0.8 THEN 'LottieStandalone' ELSE 'Raster' END AS kind,
                gen_random_uuid() AS latest_template,
                random() < 0.10 AS credential,
                floor(random() * 5)::int AS comments,
                random() < 0.2 / 0.7 AS share
            FROM projects_project
            """,
            [],
        ),
        (
            "templates",
            """
            INSERT INTO video_templates_template (id, created_at, updated_at, name, version,
                kind, status, was_production, bindings, created_by_id, project_id)
            SELECT CASE WHEN v.n = t.versions THEN t.latest_template ELSE gen_random_uuid() END,
                t.created_at + v.n * interval '2 days', t.created_at + v.n * interval '2 days',
                'Main video', '1.' || (v.n - 1), t.kind,
                CASE WHEN t.status <> 'Active' THEN 'Testing'
                     WHEN v.n = t.versions THEN 'Production' ELSE 'Previous' END,
                t.status = 'Active', %s::jsonb,
                t.creator, t.id
            FROM bench_plan t CROSS JOIN LATERAL generate_series(1, t.versions) v(n)
            """,
            [json.dumps(BINDINGS)],
        ),
        (
            "template files",
            f"""
            INSERT INTO video_templates_templatefile (id, created_at, updated_at, role, file,
                original_name, size, sha256, content_type, template_id)
            SELECT gen_random_uuid(), t.created_at, t.created_at, f.role, f.path, f.name,
                f.size, f.sha256, f.content_type, t.id
            FROM video_templates_template t
            JOIN (VALUES {file_rows}) f(kind, role, path, size, sha256, content_type, name)
              ON f.kind = t.kind
            """,  # noqa: S608 - placeholders only
            file_params,
        ),
        (
            "distribution channels",
            """
            INSERT INTO shares_distributionchannel (id, created_at, updated_at, channel,
                channel_handle, published_at, active_template_id, project_id, published_by_id)
            SELECT gen_random_uuid(), p.created_at, p.updated_at, c.channel,
                replace(gen_random_uuid()::text, '-', ''),
                CASE WHEN c.shown THEN p.created_at + p.versions * interval '2 days' END,
                CASE WHEN c.shown THEN p.latest_template END, p.id,
                CASE WHEN c.shown THEN p.creator END
            FROM bench_plan p
            CROSS JOIN LATERAL (VALUES
                ('DEV', p.status <> 'Archived'),
                ('STAGING', p.status = 'Active'),
                ('PROD', p.status = 'Active')) c(channel, shown)
            """,
            [],
        ),
        (
            "API credentials",
            """
            INSERT INTO credentials_apicredential (id, created_at, updated_at, name, api_key,
                secret_digest, channels, expires_at, last_used_at, revoked_at, created_by_id,
                project_id, revoked_by_id)
            SELECT gen_random_uuid(), p.created_at + interval '1 day',
                p.created_at + interval '1 day',
                (ARRAY['Web embed', 'CRM sync', 'Mobile app', ''])[1 + floor(random() * 4)::int],
                'pk_' || left(replace(gen_random_uuid()::text, '-', ''), 24), %s,
                CASE WHEN random() < 0.3 THEN '["PROD"]'::jsonb ELSE '[]'::jsonb END,
                NULL, NULL, CASE WHEN random() < 0.05 THEN p.updated_at END, p.creator,
                p.id, NULL
            FROM bench_plan p WHERE p.credential
            """,
            [digest],
        ),
        (
            "public video shares",
            """
            INSERT INTO shares_publicvideoshare (id, created_at, updated_at, channel, slug,
                status, public_title, public_subtitle, locale, cta_label, cta_url,
                personalization_data, disabled_at, restored_at,
                slug_rotated_at, api_credential_id, created_by_id, disabled_by_id, project_id,
                restored_by_id, slug_rotated_by_id, expires_at, password_hash)
            SELECT gen_random_uuid(), p.created_at + p.versions * interval '2 days',
                p.created_at + p.versions * interval '2 days', 'PROD',
                replace(gen_random_uuid()::text, '-', ''), 'Enabled', left(p.name, 160),
                'Una oferta pensada para ti', '', 'Solicitar', 'https://example.com/solicitar',
                '{"firstName": "Ana"}'::jsonb, NULL, NULL, NULL, NULL, p.creator, NULL,
                p.id, NULL, NULL, NULL, ''
            FROM bench_plan p WHERE p.status = 'Active' AND p.share
            """,
            [],
        ),
        (
            "share daily counts",
            """
            INSERT INTO shares_sharedailycount (share_id, day, views, cta_clicks)
            SELECT s.id, (s.created_at + d.n * interval '1 day')::date,
                floor(random() * 500)::bigint, floor(random() * 30)::bigint
            FROM shares_publicvideoshare s, generate_series(0, 2) AS d(n)
            """,
            [],
        ),
        (
            "comments",
            """
            INSERT INTO collaboration_comment (id, created_at, updated_at, message, edited,
                author_id, project_id)
            SELECT gen_random_uuid(), p.created_at + v.n * interval '1 day',
                p.created_at + v.n * interval '1 day',
                (ARRAY['Looks good to me.', 'Can we check the disclaimer with legal?',
                       'The CTA colour is off on mobile.', 'Approved for PROD.',
                       'Data feed for the next wave is ready.',
                       '¿Podemos revisar el texto de la escena final?'])
                    [1 + floor(random() * 6)::int],
                random() < 0.1, CASE WHEN v.n %% 2 = 1 THEN p.creator ELSE %s::uuid END, p.id
            FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.comments) v(n)
            """,
            [author],
        ),
        *audit_steps(),
    ]


def audit_steps() -> list[tuple[str, str, list]]:
    """The audit events the services would have written for the rows above (as
    ``backoffice.audit.record_event`` stores them: actor, targets, changes)."""
    project = "jsonb_build_object('type', 'project', 'id', p.id::text, 'label', p.name)"
    insert = """
        INSERT INTO backoffice_auditevent (id, created_at, event_type, project_id, actor_kind,
            actor_id, actor_label, targets, changes, actor_user_id, organization_id)
        SELECT gen_random_uuid(), {created_at}, '{event_type}', p.id, 'user', NULL, u.email,
            {targets}, {changes}, u.id, p.organization_id
        FROM {source}
        JOIN backoffice_user u ON u.id = {actor}
    """
    events = [
        (
            "PROJECT_CREATED",
            "bench_plan p",
            "p.created_at",
            "p.creator",
            f"jsonb_build_array({project})",
            "jsonb_build_object('name', jsonb_build_object('before', NULL, 'after', p.name))",
        ),
        (
            "TEMPLATE_UPLOADED",
            "video_templates_template t JOIN bench_plan p ON p.id = t.project_id",
            "t.created_at",
            "t.created_by_id",
            "jsonb_build_array(jsonb_build_object('type', 'template', 'id', t.id::text, "
            f"'label', t.name || ' ' || t.version), {project})",
            "jsonb_build_object('version', jsonb_build_object('before', NULL, 'after', t.version))",
        ),
        (
            "CHANNEL_PUBLISHED",
            "shares_distributionchannel c JOIN bench_plan p ON p.id = c.project_id "
            "AND c.channel = 'PROD' AND c.active_template_id IS NOT NULL",
            "c.published_at",
            "c.published_by_id",
            "jsonb_build_array(jsonb_build_object('type', 'distributionchannel', "
            "'id', c.id::text, 'label', p.name || ' · PROD'), jsonb_build_object('type', "
            "'template', 'id', c.active_template_id::text, 'label', 'Main video'), "
            f"{project})",
            "jsonb_build_object('activeTemplate', jsonb_build_object('before', NULL, "
            "'after', c.active_template_id::text))",
        ),
        (
            "SHARE_CREATED",
            "shares_publicvideoshare s JOIN bench_plan p ON p.id = s.project_id",
            "s.created_at",
            "s.created_by_id",
            "jsonb_build_array(jsonb_build_object('type', 'publicvideoshare', 'id', s.id::text, "
            f"'label', 'PROD share'), {project})",
            "jsonb_build_object('status', jsonb_build_object('before', NULL, 'after', 'Enabled'))",
        ),
        (
            "CREDENTIAL_CREATED",
            "credentials_apicredential k JOIN bench_plan p ON p.id = k.project_id",
            "k.created_at",
            "k.created_by_id",
            f"jsonb_build_array({project}, jsonb_build_object('type', "
            "'apicredential', 'id', k.id::text, 'label', k.api_key))",
            "jsonb_build_object('name', jsonb_build_object('before', NULL, 'after', k.name))",
        ),
        (
            "COMMENT_ADDED",
            "collaboration_comment m JOIN bench_plan p ON p.id = m.project_id",
            "m.created_at",
            "m.author_id",
            f"jsonb_build_array({project}, jsonb_build_object('type', 'comment', "
            "'id', m.id::text, 'label', 'Comment on ' || p.name))",
            "'{}'::jsonb",
        ),
    ]
    return [
        (
            f"audit events: {event_type}",
            insert.format(
                event_type=event_type,
                source=source,
                created_at=created_at,
                actor=actor,
                targets=targets,
                changes=changes,
            ),
            [],
        )
        for event_type, source, created_at, actor, targets, changes in events
    ]


#: The files of each template kind (roles; the rows point at the shared real files).
TEMPLATE_FILES = {
    "LottieStandalone": ("template_json", "manifest_json"),
    "Raster": ("video", "overlay_json", "poster"),
}
MARKER_TABLE = "bench_dataset"
#: Raised when the generated shape changes, so older builds are rebuilt rather than reused.
GENERATOR_VERSION = 3  # 3: share counts in shares_sharedailycount
#: The bindings of every generated template (as ``templates.validation`` stores them).
BINDINGS = [
    {"key": "firstName", "layer": "txt_name", "type": "text", "required": True},
    {"key": "offerAmount", "layer": "txt_amount", "type": "text", "required": False,
     "default": "$1.000.000"},
]  # fmt: skip


def dataset_marker(cursor) -> tuple[int, int, int] | None:
    """(projects, seed, generator version) of a finished build of this database, or None."""
    cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT to_jsonb(b) FROM {MARKER_TABLE} b LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    if not row:
        return None
    found = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return (found.get("projects"), found.get("seed"), found.get("version"))


def build(args: argparse.Namespace) -> dict[str, float]:
    """Fill the database; returns the duration of each step in seconds."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection, transaction

    from backoffice import secrets as app_secrets

    steps = Steps()
    steps.run("migrate", call_command, "migrate", verbosity=0, interactive=False)

    from backoffice.models import Membership, Organization, User
    from projects.models import Project, ProjectUserObjectPermission

    with connection.cursor() as cursor:
        marker = dataset_marker(cursor)
    if marker is not None:
        sys.exit(
            f"error: the database holds another build ({marker[0]} projects, seed {marker[1]}, "
            f"generator version {marker[2]}): pass --reset to rebuild it."
        )
    if Project.objects.exists():
        sys.exit("error: the database holds projects but no finished build: pass --reset.")

    def users_and_orgs():
        bench_org, _ = Organization.objects.get_or_create(
            slug=BENCH_ORG[1], defaults={"name": BENCH_ORG[0], "default_locale": "es-CL"}
        )
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
        User.objects.get_or_create(
            email=STAFF,
            defaults={
                "display_name": "Sam Staff",
                "password": password_hash,
                "is_staff": True,
                "is_superuser": True,
            },
        )
        return bench_org, other_org, users

    bench_org, other_org, users = steps.run("organizations and users", users_and_orgs)
    files = steps.run("template files on storage", write_media_files)
    with connection.cursor() as cursor:
        # For this session only: no wait for WAL flushes, room for sorts and hashes. A load
        # that fails half-way leaves no marker, and the next run rebuilds the database.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        keys, foreign = steps.run("drop keys, indexes and foreign keys", drop_indexes, cursor)

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
            if made == count or made % (args.batch_size * 20) == 0:
                print(f"  {organization.name}: {made:,}/{count:,} projects, {granted:,} grants")

    def projects():
        admin, pm = users["admin@bench.example"].pk, users["pm@bench.example"].pk
        fill(bench_org, args.projects, [(admin, 4), (pm, 6)], GRANT_FRACTION)
        fill(other_org, args.other_projects, [(users["admin@other.example"].pk, 1)], 0)

    steps.run("projects and grants (COPY)", projects)

    digest = app_secrets.digest(CREDENTIAL_SECRET)
    memory = ("SET maintenance_work_mem = '1GB'",)
    restorer = Restorer(keys, memory)
    restorer.table_done(*FINISHED_AFTER["projects and grants (COPY)"])
    author = str(users["dev@bench.example"].pk)
    try:
        for name, statement, params in sql_steps(args.seed, digest, files, author):
            with connection.cursor() as cursor:

                def execute(statement=statement, params=params, cursor=cursor):
                    cursor.execute(statement, params)
                    return cursor.rowcount

                rows = steps.run(name, execute)
            if rows and rows > 0 and name != "seed":
                print(f"  {rows:,} rows")
            restorer.table_done(*FINISHED_AFTER.get(name, ()))
    finally:
        steps.run("wait for the keys and indexes (built in the background)", restorer.finish)
    steps.run(f"restore {len(foreign)} foreign keys", in_parallel, [foreign], memory, 1)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plan")

    tables = largest_first((*BULK_TABLES, "backoffice_user", "backoffice_organization"))
    steps.run(
        "vacuum analyze (2 at a time)",
        in_parallel,
        [[f"VACUUM ANALYZE {connection.ops.quote_name(table)}"] for table in tables],
    )
    total = time.perf_counter() - steps.started
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {MARKER_TABLE} (projects integer, seed integer, version integer, "
            "built_at timestamptz, seconds double precision)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, now(), %s)",  # noqa: S608
            [args.projects, args.seed, GENERATOR_VERSION, total],
        )
    counts = table_counts()
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    print(f"done: {args.projects:,} projects, total {total:.1f} s")
    print(f"users (password {PASSWORD}): " + ", ".join([*USERS, STAFF]))
    return steps.times


def table_counts() -> dict[str, int]:
    """Estimated rows of the bulk tables (the statistics VACUUM ANALYZE just gathered)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)",
            [list(BULK_TABLES)],
        )
        found = dict(cursor.fetchall())
    return {table: found.get(table, 0) for table in BULK_TABLES}


def is_built(url: str, projects: int, seed: int) -> bool:
    """Whether the database holds a finished build of this size and seed."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn, conn.cursor() as cursor:
            return dataset_marker(cursor) == (projects, seed, GENERATOR_VERSION)
    except psycopg.OperationalError:
        return False


def migrate(url: str) -> None:
    """Bring a data set built by earlier code to the code's schema (a new index, say): the
    migrations the build has not seen run on it, in their own process; none is a no-op."""
    import subprocess

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.local",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "TOKEN_HASH_KEY": TOKEN_HASH_KEY,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        check=True,
        cwd=ROOT,
        env=env,
        timeout=3_600,
    )


def ensure_dataset(url: str, projects: int, seed: int, batch_size: int = 5_000) -> bool:
    """Build the database for ``projects`` unless it already holds that build; True when it
    was built now. Runs the generator in its own process (its own Django settings)."""
    import subprocess

    if is_built(url, projects, seed):
        migrate(url)
        return False
    command = [
        sys.executable, str(Path(__file__).resolve()), "--projects", str(projects),
        "--seed", str(seed), "--database-url", url, "--reset", "--batch-size", str(batch_size),
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=ROOT, timeout=3_600)  # noqa: S603 - this script
    return True


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    if not args.reset and is_built(args.database_url, args.projects, args.seed):
        print(f"{args.database_url}: already built with {args.projects:,} projects")
        return
    prepare_database(args.database_url, args.reset)
    setup_django(args.database_url)
    build(args)
    print(f"elapsed: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
