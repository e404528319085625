"""The benchmark harness: build (or reuse) a data set per size, serve the app as in
production, load every scenario with wrk on loopback, and write bench/RESULTS.md.

    uv run python bench/run.py --sizes 1000,100000,1000000

For each size it makes sure ``percus_bench_h<size>`` holds a finished build of that size and
seed (``generate_projects.py``), then measures in a child process of its own (one Django
set-up per database): gunicorn with 3 sync workers, ``backoffice.settings.production``,
DEBUG off, PostgreSQL. Each scenario is requested once to check it answers, counted in
queries in-process, then loaded by wrk: one connection for latency, several for throughput.
``/healthz`` (no database) is the floor every throughput is compared to. Every load goes to
127.0.0.1 and lasts a bounded number of seconds.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate_projects import (  # noqa: E402 - after the path set-up
    PASSWORD,
    STAFF,
    ensure_dataset,
)
from harness import (  # noqa: E402
    HOST,
    ROOT,
    Gunicorn,
    machine_facts,
    make_token,
    production_env,
    revoke_tokens,
    setup_django,
)

sys.path.insert(0, str(ROOT))

ADMIN, GUEST = "admin@bench.example", "guest@other.example"
SEARCH_WORD, TAG = "mortgage", "whatsapp"
PAGE_1000_OFFSET = 999 * 30  # page 1 000 of 30 rows (the API pages by offset or cursor)
EXPORT_ROWS = 1_000_000
REFERENCE = "reference: typical DRF list, first page"  # bench/reference_list.py
REFERENCE_PATH = "bench/reference/Projects"  # reference_list.REFERENCE_PATH (imports Django)
REFERENCE_RATIO = 1.5  # the product's first page: at least this times the reference's req/s
HIGH_LIMIT = "100000000"  # requests a minute: the rate limits stay on but never trip
WHO = {
    "admin": "OrganizationAdmin",
    "guest": "Viewer (guest, ~5% by grants)",
    "anonymous": "anonymous",
    "key": "API key",
    "staff": "staff (session)",
}
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50\\": %d, \\"p95\\": %d, "
    .. "\\"p99\\": %d, \\"max\\": %d, \\"status_errors\\": %d, \\"socket_errors\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def database_url(size: int) -> str:
    """The bench database of a size: ``percus_bench_h1k``, ``…_h100k``, ``…_h1m``."""
    label = f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "percus_bench_h")
    return f"postgres://postgres@127.0.0.1:5432/{prefix}{label}"


def parse_args(argv=None) -> argparse.Namespace:
    """The command line, with its bounds checked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="projects, comma-separated")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--latency-seconds", type=int, default=5, help="one connection")
    parser.add_argument("--load-seconds", type=int, default=5, help="saturated, per scenario")
    parser.add_argument("--connections", type=int, default=8, help="connections under load")
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export")
    parser.add_argument(
        "--cache-url",
        default="",
        help="CACHE_URL of the server, e.g. redis://127.0.0.1:6379/6 (as in production: "
        "counts and the public pages' rows in Redis); default: local memory",
    )
    parser.add_argument(
        "--public-only",
        action="store_true",
        help="only the floor and the public pages (landing page, CTA, manifest)",
    )
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # the child's size
    parser.add_argument("--json", help=argparse.SUPPRESS)  # where the child writes
    args = parser.parse_args(argv)
    args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if not args.size_list or any(s < 100 or s > 2_000_000 for s in args.size_list):
        parser.error("--sizes: between 100 and 2 000 000 projects each")
    if max(args.latency_seconds, args.load_seconds) > 60 or args.connections > 64:
        parser.error("keep the load bounded: ≤ 60 s per run, ≤ 64 connections")
    return args


# Scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    who: str  # a key of WHO
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    queries: int | None = None
    status: int | None = None
    note: str = ""
    latency: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)


def bench_env() -> dict[str, str]:
    """Production's settings with the reference list mounted (``bench_settings``), with
    ``bench/`` importable by the server and by ``manage.py``."""
    paths = [str(BENCH), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": os.pathsep.join(paths)}


def dataset_facts() -> dict:
    """Ids the scenarios need, read from the bench database."""
    from generate_projects import MARKER_TABLE, table_counts

    from backoffice.models import AuditEvent, Organization
    from credentials.models import ApiCredential
    from projects.models import Project
    from shares.models import DistributionChannel, PublicVideoShare

    org = Organization.objects.get(slug="bench-bank")
    project = (
        Project.objects.live()
        .filter(organization=org, status="Active")
        .order_by("-created_at", "-id")
        .first()
    )
    share = (
        PublicVideoShare.objects.filter(
            status="Enabled",
            project__organization=org,
            project__status="Active",
            project__trashed_at__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    credential = (
        ApiCredential.objects.usable()
        .filter(project__organization=org, project__status="Active", channels=[])
        .order_by("-created_at")
        .first()
    )
    handle = DistributionChannel.objects.get(
        project=credential.project, channel="PROD"
    ).channel_handle
    events = AuditEvent.objects.filter(organization=org).order_by("-created_at", "-id")
    cutoff = events.values_list("created_at", flat=True)[EXPORT_ROWS - 1 : EXPORT_ROWS].first()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seconds FROM {MARKER_TABLE}")  # noqa: S608 - a constant
        built_in = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0].split(" on ")[0]
    return {
        "organization_id": str(org.pk),
        "project_id": str(project.pk),
        "share_slug": share.slug,
        "api_key": credential.api_key,
        "channel_handle": handle,
        "export_cutoff": cutoff.isoformat().replace("+00:00", "Z") if cutoff else None,
        "rows": table_counts(),
        "built_in": built_in,
        "postgres": postgres,
    }


def scenarios(facts: dict, tokens: dict[str, str]) -> list[Scenario]:
    """The scenarios, in the order they are measured; the floor first."""

    def bearer(email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[email]}"}

    project = facts["project_id"]
    items = [Scenario("floor: /healthz (no database)", "anonymous", "/healthz")]
    for who, email in (("admin", ADMIN), ("guest", GUEST)):
        items += [
            Scenario("project list, first page", who, "/api/Projects", bearer(email)),
        ]
        if who == "admin":  # side by side with the product's first page
            items.append(Scenario(REFERENCE, who, f"/{REFERENCE_PATH}", bearer(email)))
        items += [
            Scenario(
                "project list, page 1 000",
                who,
                f"/api/Projects?offset={PAGE_1000_OFFSET}",
                bearer(email),
            ),
            Scenario(
                f"search ({SEARCH_WORD!r})",
                who,
                f"/api/Projects?search={SEARCH_WORD}",
                bearer(email),
            ),
            Scenario(f"tag ({TAG!r})", who, f"/api/Projects?tag={TAG}", bearer(email)),
        ]
    items += [
        Scenario("project detail", "admin", f"/api/Projects/{project}", bearer(ADMIN)),
        Scenario("templates list", "admin", f"/api/Projects/{project}/templates", bearer(ADMIN)),
        Scenario("history page", "admin", f"/api/Projects/{project}/history", bearer(ADMIN)),
        # The floor again, next to the pages compared with it: a shared machine drifts.
        Scenario("floor: /healthz (again)", "anonymous", "/healthz"),
        Scenario("landing page", "anonymous", f"/v/{facts['share_slug']}"),
        Scenario("CTA redirect", "anonymous", f"/v/{facts['share_slug']}/cta"),
        Scenario(
            "embed manifest",
            "key",
            "/embed/v1/manifest?" + urlencode({"channelHandle": facts["channel_handle"]}),
            {"X-Percus-Api-Key": facts["api_key"]},
        ),
        Scenario("admin project changelist", "staff", "/admin/projects/project/"),
    ]
    return items


def count_queries(items: list[Scenario]) -> None:
    """Each scenario's request once in-process (Django's test client, the server's
    settings) under ``CaptureQueriesContext``, after one unmeasured request (so a cache
    filled or a once-a-minute write on first use is not counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backoffice.models import User

    staff = Client(HTTP_HOST=HOST)
    staff.force_login(User.objects.get(email=STAFF))
    for scenario in items:
        client = staff if scenario.who == "staff" else Client(HTTP_HOST=HOST)
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in scenario.headers.items()}
        try:
            client.get(scenario.path, **meta)
            with CaptureQueriesContext(connection) as captured:
                client.get(scenario.path, **meta)
        except Exception as error:  # the app failed: report it, measure the rest
            scenario.note = f"in-process request failed: {type(error).__name__}: {error}"
            print(f"  {scenario.name}: {scenario.note}", file=sys.stderr)
            continue
        scenario.queries = len(captured)


# HTTP ---------------------------------------------------------------------------------------


def request(
    port: int, path: str, headers: dict[str, str], method: str = "GET", body: str | None = None
) -> tuple[int, list, bytes]:
    """One HTTP request to 127.0.0.1: (status, headers, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def cookies_of(headers) -> dict[str, str]:
    """The cookies a response sets (name -> value)."""
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


def admin_session(port: int) -> str:
    """Log in through /admin/login/ with its CSRF token; returns the Cookie header."""
    import re

    status, headers, body = request(port, "/admin/login/", {})
    jar = cookies_of(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None or "csrftoken" not in jar:
        raise RuntimeError(f"admin login page: {status}")
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": STAFF,
            "password": PASSWORD,
            "next": "/admin/",
        }
    )
    origin = f"http://{HOST}:{port}"
    status, headers, _ = request(
        port,
        "/admin/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Origin": origin,
            "Referer": f"{origin}/admin/login/",
        },
        method="POST",
        body=form,
    )
    jar.update(cookies_of(headers))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"admin login: {status}, cookies {sorted(jar)}")
    return f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}"


def wrk(port: int, path: str, headers: dict[str, str], connections: int, seconds: int) -> dict:
    """One wrk run; latencies in ms, req/s over the run."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = [
            "wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "30s", "-s", script.name,
        ]  # fmt: skip
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(f"http://{HOST}:{port}{path}")
        output = subprocess.run(  # noqa: S603 - wrk against 127.0.0.1, bounded in time
            command, capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[len("BENCH ") :])
    result = {key: data[key] / 1000 for key in ("p50", "p95", "p99", "max")}
    result["requests"] = data["requests"]
    result["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    result["errors"] = data["status_errors"] + data["socket_errors"]
    result["connections"] = connections
    return result


# Memory -------------------------------------------------------------------------------------


def memory_of(pid: int) -> dict[str, float]:
    """Resident and peak resident memory (MB) of a process, from /proc."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        return {}
    return {"rss": values.get("VmRSS", 0.0), "peak": values.get("VmHWM", 0.0)}


def measure_export(server: Gunicorn, facts: dict, token: str) -> dict:
    """Download the organization's audit-event CSV (the newest ≥1M events, or all of them)
    while sampling the workers' RSS every 0.2 s; the figure is the largest growth of one
    worker over its RSS before the download."""
    query = {"createdAfter": facts["export_cutoff"]} if facts["export_cutoff"] else {}
    path = f"/api/Organizations/{facts['organization_id']}/audit-events/export"
    if query:
        path += "?" + urlencode(query)
    pids = server.worker_pids()
    before = {pid: memory_of(pid).get("rss", 0.0) for pid in pids}
    peak = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            for pid in pids:
                peak[pid] = max(peak[pid], memory_of(pid).get("rss", 0.0))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, server.port, timeout=300)
    size = lines = 0
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        status = response.status
        while chunk := response.read(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\n")
            if time.perf_counter() - started > 1_200:
                raise RuntimeError("the export took over 20 minutes")
    finally:
        conn.close()
        stop.set()
        sampler.join(timeout=5)
    elapsed = time.perf_counter() - started
    growth = max(peak[pid] - before[pid] for pid in pids)
    return {
        "status": status,
        "rows": max(0, lines - 1),
        "bytes": size,
        "seconds": elapsed,
        "growth_mb": growth,
        "peak_mb": max(peak.values()),
        "before_mb": max(before.values()),
        "cutoff": facts["export_cutoff"],
    }


# One size (the child process) ---------------------------------------------------------------


def measure(size: int, args: argparse.Namespace) -> dict:
    """Measure one size (in the child process): facts, scenarios, memory, export."""
    env = production_env(database_url(size))
    env.update(
        PUBLIC_RATE_LIMIT=HIGH_LIMIT,
        CREDENTIAL_RATE_LIMIT=HIGH_LIMIT,
        AUTH_FAILURE_LIMIT=HIGH_LIMIT,
        ALLOWED_HOSTS=HOST,
    )
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    # Production's settings plus the reference list's route (bench/bench_settings.py).
    env.update(bench_env())
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        timeout=300,
    )
    setup_django(env)
    from django.db import connection

    facts = dataset_facts()
    tokens = {email: make_token(email)[0] for email in (ADMIN, GUEST)}
    items = scenarios(facts, tokens)
    if args.public_only:
        public = ("floor", "landing page", "CTA redirect", "embed manifest")
        items = [item for item in items if item.name.startswith(public)]
    count_queries(items)
    connection.close()
    log_path = Path(tempfile.gettempdir()) / f"bench-run-{os.getpid()}.log"
    # The export of a million events streams for longer than gunicorn's default 30 s, and a
    # sync worker is not heard from while it streams: its timeout must cover the download.
    server = Gunicorn(env, args.workers, log_path, timeout=900)
    result: dict = {"size": size, "facts": facts}
    try:
        server.wait_ready()
        print(f"[{size:,}] gunicorn on {HOST}:{server.port}, {args.workers} workers", flush=True)
        cookie = admin_session(server.port)
        for scenario in items:
            if scenario.who == "staff":
                scenario.headers = {"Cookie": cookie}
            status, _, body = request(server.port, scenario.path, scenario.headers)
            scenario.status = status
            try:
                data = json.loads(body)
                if isinstance(data, dict) and "items" in data:
                    scenario.note = f"{len(data['items'])} items"
                    if data.get("total") is not None:
                        bound = "≥" if data.get("totalIsLowerBound") else ""
                        scenario.note += f" of {bound}{data['total']:,}"
            except ValueError:
                scenario.note = scenario.note or f"{len(body):,} B"
            wrk(server.port, scenario.path, scenario.headers, 2, 1)  # warm every worker
            scenario.latency = wrk(
                server.port, scenario.path, scenario.headers, 1, args.latency_seconds
            )
            scenario.load = wrk(
                server.port, scenario.path, scenario.headers, args.connections, args.load_seconds
            )
            print(
                f"[{size:,}] {scenario.name:32} {WHO[scenario.who]:30} {status} "
                f"q={scenario.queries} p50 {scenario.latency['p50']:7.2f} "
                f"p95 {scenario.latency['p95']:7.2f} p99 {scenario.latency['p99']:7.2f} ms  "
                f"{scenario.load['rps']:7.1f} req/s",
                flush=True,
            )
        result["workers"] = [memory_of(pid) for pid in server.worker_pids()]
        if not args.no_export:
            result["export"] = measure_export(server, facts, tokens[ADMIN])
            print(f"[{size:,}] export: {result['export']}", flush=True)
    except Exception:
        print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
        log_path.unlink(missing_ok=True)
    revoke_tokens(tokens)
    result["scenarios"] = [asdict(s) | {"headers": {}} for s in items]  # no secrets kept
    return result


# Report -------------------------------------------------------------------------------------


def ms(value: float) -> str:
    """Milliseconds with three significant digits or so."""
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def find(result: dict, name: str, who: str = "admin") -> dict | None:
    """The scenario of a result whose name starts with ``name``, as ``who``."""
    return next(
        (s for s in result["scenarios"] if s["name"].startswith(name) and s["who"] == who), None
    )


def floor_before(result: dict, scenario: dict) -> float:
    """Saturated req/s of the floor measured last before ``scenario`` (the first floor for
    the floors themselves)."""
    floor = 0.0
    for s in result["scenarios"]:
        if s["name"].startswith("floor") and (not floor or s is not scenario):
            floor = s["load"]["rps"]
        if s is scenario:
            break
    return floor


#: Issue 20's latency budgets: (scenario, as, size, p50 at most, in ms).
P50_BUDGETS = [
    ("project list, first page", "admin", 100_000, 10.0),
    ("project list, first page", "guest", 1_000_000, 15.0),
    ("project list, page 1 000", "guest", 1_000_000, 50.0),
    ("search", "admin", 1_000_000, 40.0),
    ("admin project changelist", "staff", 1_000_000, 40.0),
    ("project detail", "admin", 100_000, 8.0),
    ("templates list", "admin", 100_000, 8.0),
    ("history page", "admin", 100_000, 8.0),
]
SCALE_RATIO = 1.2  # the first page's p50 at 1M: at most this times its p50 at 1k
PUBLIC_SHARE = 0.6  # landing page and manifest: at least this share of the floor's req/s
WORKER_MB, EXPORT_GROWTH_MB = 200, 150


def budgets(results: list[dict], cache_url: str = "") -> list[tuple[str, str, bool | None]]:
    """(budget, measured, met) of each budget of issues 20 and 19; None: not measured by
    this run (a size it did not include, or the public pages without ``--cache-url``)."""
    by_size = {r["size"]: r for r in results}
    rows: list[tuple[str, str, bool | None]] = []

    def scenario(size: int, name: str, who: str) -> dict | None:
        result = by_size.get(size)
        return find(result, name, who) if result else None

    # Issue 20: the OrganizationAdmin's first page against the reference, at every size.
    for result in results:
        product, reference = find(result, "project list, first page"), find(result, REFERENCE)
        budget = (
            f"OrganizationAdmin first page at {result['size']:,}: throughput ≥ "
            f"{REFERENCE_RATIO}x the reference's (typical DRF list)"
        )
        if product and reference and reference["load"].get("rps"):
            ratio = product["load"]["rps"] / reference["load"]["rps"]
            rows.append(
                (
                    budget,
                    f"{ratio:.2f}x ({product['load']['rps']:.0f} vs "
                    f"{reference['load']['rps']:.0f} req/s saturated; p50 "
                    f"{ms(product['latency']['p50'])} vs {ms(reference['latency']['p50'])} ms)",
                    ratio >= REFERENCE_RATIO,
                )
            )
        else:
            rows.append((budget, "not run", None))
    # Issue 20: p50 (1 connection) at a size.
    for name, who, size, limit in P50_BUDGETS:
        budget = f"{name} ({WHO[who]}) at {size:,}: p50 ≤ {limit:g} ms"
        found = scenario(size, name, who)
        if found is None or not found["latency"]:
            rows.append((budget, f"{size:,} not run", None))
            continue
        p50 = found["latency"]["p50"]
        rows.append((budget, f"p50 {ms(p50)} ms ({found['queries']} queries)", p50 <= limit))
    small = scenario(1_000, "project list, first page", "admin")
    large = scenario(1_000_000, "project list, first page", "admin")
    budget = f"OrganizationAdmin first page: p50 at 1,000,000 ≤ {SCALE_RATIO}x p50 at 1,000"
    if small and large:
        ratio = large["latency"]["p50"] / small["latency"]["p50"]
        rows.append(
            (
                budget,
                f"{ms(large['latency']['p50'])} vs {ms(small['latency']['p50'])} ms = {ratio:.2f}x",
                ratio <= SCALE_RATIO,
            )
        )
    else:
        rows.append((budget, "needs sizes 1,000 and 1,000,000", None))
    # Issue 20: queries per request do not grow with the data set (constant whatever the
    # page size is asserted by the tests, with django_assert_num_queries).
    if len(results) > 1:
        changed = []
        for s in results[0]["scenarios"]:
            counts = {
                r["size"]: (find(r, s["name"], s["who"]) or {}).get("queries") for r in results
            }
            if len(set(counts.values())) > 1:
                changed.append(f"{s['name']} ({WHO[s['who']]}): {counts}")
        rows.append(
            (
                "queries per request: the same at every size",
                "; ".join(changed) if changed else "the same for every scenario",
                not changed,
            )
        )
    # Issue 19: the public pages on a cache hit, when the run names a shared cache.
    for result in results:
        label = f"{result['size']:,}"
        for name, who in (("landing page", "anonymous"), ("embed manifest", "key")):
            s = find(result, name, who)
            budget = (
                f"{name} at {label}: ≥ {PUBLIC_SHARE:.0%} of the floor's throughput, "
                "0 queries on a cache hit (with --cache-url)"
            )
            if s is None:
                rows.append((budget, "not run", None))
                continue
            floor = floor_before(result, s)
            ratio = s["load"]["rps"] / floor
            measured = (
                f"{ratio:.0%} ({s['load']['rps']:.0f} vs {floor:.0f} req/s), {s['queries']} queries"
            )
            if not cache_url:
                rows.append((budget, measured + "; local memory: run with --cache-url", None))
                continue
            rows.append((budget, measured, ratio >= PUBLIC_SHARE and s["queries"] == 0))
    # Issue 20: memory stays as it is.
    for result in results:
        label = f"{result['size']:,}"
        if result.get("workers"):
            peak = max(w.get("peak", 0) for w in result["workers"])
            rows.append(
                (
                    f"worker RSS at {label} under load < {WORKER_MB} MB",
                    f"peak {peak:.0f} MB (largest worker)",
                    peak < WORKER_MB,
                )
            )
        export = result.get("export")
        if export:
            enough = export["rows"] >= EXPORT_ROWS
            rows.append(
                (
                    f"CSV export at {label}: 1M events grow a worker < {EXPORT_GROWTH_MB} MB",
                    f"{export['rows']:,} events in {export['seconds']:.0f} s; worker grew "
                    f"{export['growth_mb']:.0f} MB (peak RSS {export['peak_mb']:.0f} MB)",
                    (export["growth_mb"] < EXPORT_GROWTH_MB and export["status"] == 200)
                    if enough
                    else None,
                )
            )
    return rows


def write_report(path: str, args, machine: dict, results: list[dict], started) -> None:
    mark = {True: "✅", False: "❌", None: "—"}
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py --sizes {args.sizes}` on {started:%Y-%m-%d %H:%M} UTC "
        "(method: bench/README.md). One run on one machine: compare runs, not machines.",
        "",
        "## Machine and method",
        "",
        f"- machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']}, "
        f"{machine['os']}",
        f"- Python {machine['python']}, {machine['versions']}, "
        f"{results[0]['facts']['postgres'] if results else ''} on 127.0.0.1",
        f"- code: {machine['commit'] or 'unknown'}",
        f"- server: gunicorn, {args.workers} sync workers, `backoffice.settings.production` "
        "(through `bench/bench_settings.py`, which adds only the reference list's route), "
        "DEBUG off, CONN_MAX_AGE=60, PostgreSQL; public and credential rate limits raised "
        f"for the run; cache: {args.cache_url or 'local memory (no Redis)'}",
        f"- load: wrk on the same machine (it shares the CPUs with gunicorn and PostgreSQL), "
        f"after 1 s of warm-up per scenario. **Latency**: 1 connection for "
        f"{args.latency_seconds} s (p50/p95/p99, and that connection's req/s). "
        f"**Throughput**: {args.connections} connections for {args.load_seconds} s "
        "(saturated: more than the workers). Each request opens a TCP connection (sync "
        "workers close it after the response).",
        "- queries/request: the scenario's request once in-process (Django's test client, the "
        "same settings) under `CaptureQueriesContext`, after one unmeasured request",
        "- floor: `GET /healthz` (`backoffice/health.py`): a constant JSON response through the "
        "same middleware, no database, served by the same workers in the same run; measured "
        "first and again just before the public pages, and each ratio (*vs floor*) is to the "
        "floor measured last before the scenario",
        "- reference: `/bench/reference/Projects` (`bench/reference_list.py`), the list a "
        "competent Django developer would write with DRF's stock parts (ModelSerializer, "
        "LimitOffsetPagination with a plain COUNT(*), membership-join scoping, select_related), "
        "over the same database, served by the same workers, measured right after the "
        "product's first page",
        "- worker RSS: VmRSS/VmHWM of each gunicorn worker from /proc after all the loads "
        "(VmHWM is the peak since the worker started)",
        "- CSV export: one HTTP download of `/api/Organizations/{id}/audit-events/export` "
        f"(newest {EXPORT_ROWS:,} events of Bench Bank, by `createdAfter`, or all when fewer) "
        "while sampling the workers' RSS every 0.2 s",
    ]
    lines += ["", "## Budgets", "", "| budget | measured | |", "|---|---|---|"]
    lines += [f"| {b} | {m} | {mark[ok]} |" for b, m, ok in budgets(results, args.cache_url)]
    for result in results:
        facts = result["facts"]
        rows = facts["rows"]
        lines += [
            "",
            f"## {result['size']:,} projects",
            "",
            f"Data set `{database_url(result['size']).rsplit('/', 1)[1]}`, built in "
            f"{facts['built_in']:.0f} s: "
            + ", ".join(f"{table} {count:,}" for table, count in rows.items())
            + " (row estimates from the statistics).",
            "",
            "| scenario | as | request | status | queries | p50 ms | p95 ms | p99 ms | "
            "req/s (1 conn) | req/s (saturated) | p99 ms (saturated) | vs floor | response |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for s in result["scenarios"]:
            floor = floor_before(result, s)
            lat, load = s["latency"], s["load"]
            shown = s["path"]
            for value, name in (
                (facts["project_id"], "{id}"),
                (facts["share_slug"], "{slug}"),
                (facts["channel_handle"], "{handle}"),
            ):
                shown = shown.replace(value, name)
            errors = f"; **{load['errors']} errors**" if load["errors"] or lat["errors"] else ""
            lines.append(
                f"| {s['name']} | {WHO[s['who']]} | `{shown}` | {s['status']} | {s['queries']} | "
                f"{ms(lat['p50'])} | {ms(lat['p95'])} | {ms(lat['p99'])} | {lat['rps']:.0f} | "
                f"{load['rps']:.0f} | {ms(load['p99'])} | {load['rps'] / floor:.2f} | "
                f"{s['note']}{errors} |"
            )
        workers = ", ".join(
            f"{w.get('rss', 0):.0f} MB (peak {w.get('peak', 0):.0f} MB)" for w in result["workers"]
        )
        lines += ["", f"Worker RSS after the loads: {workers}."]
        export = result.get("export")
        if export:
            lines.append(
                f"CSV export: status {export['status']}, {export['rows']:,} events, "
                f"{export['bytes'] / 1e6:.0f} MB in {export['seconds']:.1f} s "
                f"({export['rows'] / max(export['seconds'], 0.001):,.0f} rows/s); the "
                f"streaming worker grew by {export['growth_mb']:.1f} MB "
                f"(from {export['before_mb']:.0f} MB to a peak of {export['peak_mb']:.0f} MB)."
            )
    Path(path).write_text("\n".join(lines) + "\n")


# Main ---------------------------------------------------------------------------------------


def main(argv=None) -> None:
    """Every size in turn, then the report."""
    args = parse_args(argv)
    if args.measure:
        Path(args.json).write_text(json.dumps(measure(args.measure, args), default=str))
        return
    started = datetime.now(UTC)
    results = []
    for size in args.size_list:
        url = database_url(size)
        began = time.perf_counter()
        built = ensure_dataset(url, size, args.seed)
        print(
            f"[{size:,}] data set {'built' if built else 'reused'}: {url.rsplit('/', 1)[1]} "
            f"({time.perf_counter() - began:.0f} s)",
            flush=True,
        )
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            out_path = out.name
        try:
            child = list(argv if argv is not None else sys.argv[1:])
            subprocess.run(  # noqa: S603 - this script, for one size
                [sys.executable, __file__, *child, "--measure", str(size), "--json", out_path],
                check=True,
                cwd=ROOT,
                timeout=3_600,
            )
            results.append(json.loads(Path(out_path).read_text()))
        finally:
            os.unlink(out_path)
    machine = machine_facts()
    write_report(args.output, args, machine, results, started)
    for budget, measured, ok in budgets(results, args.cache_url):
        print(f"{'PASS' if ok else 'FAIL' if ok is False else 'n/a '}  {budget}: {measured}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
