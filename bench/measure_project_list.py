"""Measure the project list over HTTP against the app run as in production, and write
bench/RESULTS-list.md.

    uv run python bench/generate_projects.py --projects 100000     # once
    uv run python bench/measure_project_list.py [--database-url …] [--workers 3]

It starts gunicorn (sync workers, ``backoffice.settings.production``, DEBUG off, a random
SECRET_KEY, CONN_MAX_AGE=60) on a free port of 127.0.0.1, makes read-scoped personal API
tokens for the bench users, and measures with one sequential client (http.client, after a
warm-up) the latency of each scenario of ``scenarios()``; then the throughput of the first
page and of ``/healthz`` with ``wrk`` (or, without wrk, a bounded Python threaded loop).
Every loop is bounded in count and time, every request goes to 127.0.0.1, and gunicorn is
stopped at the end whatever happens. The tokens are revoked at the end too.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402 - after the path set-up
    HOST,
    Gunicorn,
    fmt,
    machine_facts,
    make_token,
    parse_duration,
    production_env,
    revoke_tokens,
    server_database_url,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/percus_bench_h100k"
ADMIN, VIEWER, GUEST = "admin@bench.example", "viewer@bench.example", "guest@other.example"
SEARCH_WORD, SEARCH_MISS, TAG = "mortgage", "zqxj", "whatsapp"
DEEP_ROW = 89_000  # a deep page: this many rows down the list


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--db-options",
        default="",
        help='libpq options for the server\'s connections, e.g. "-c jit=off" (an experiment; '
        "the default is the app's own configuration)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (2-4)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests a scenario")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    parser.add_argument("--cursor-pages", type=int, default=100, help="nextCursor hops")
    parser.add_argument(
        "--max-seconds", type=float, default=30.0, help="time bound of one scenario's loop"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of each load test")
    parser.add_argument("--connections", type=int, default=4, help="load test connections")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load loop")
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN section")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS-list.md"))
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 8:
        parser.error("--workers: 1 to 8")
    if args.duration > 60 or args.max_seconds > 120:
        parser.error("keep the load bounded: --duration ≤ 60, --max-seconds ≤ 120")
    return args


# The server -------------------------------------------------------------------------------


# Django side: tokens, dataset facts, EXPLAIN ----------------------------------------------


def dataset_facts() -> dict:
    from django.db import connection

    from backoffice.api.cursors import encode_cursor
    from backoffice.models import Organization, User
    from projects.models import Project, ProjectUserObjectPermission

    org = Organization.objects.filter(slug="bench-bank").first()
    if org is None or not Project.objects.filter(organization=org).exists():
        sys.exit("error: no bench data: run bench/generate_projects.py first.")
    projects = Project.objects.filter(organization=org)
    live = projects.filter(trashed_at__isnull=True).order_by("-created_at", "-id")
    newest = live.first()
    deep_offset = max(0, min(DEEP_ROW, live.count() - 100))
    deep = live[deep_offset]  # the cursor of a page that far down, as a client would hold it
    visible = {
        email: Project.objects.live().visible_to(User.objects.get(email=email)).count()
        for email in (ADMIN, VIEWER, GUEST)
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    return {
        "organization_id": str(org.pk),
        "projects": projects.count(),
        "live": projects.filter(trashed_at__isnull=True).count(),
        "other_projects": Project.objects.exclude(organization=org).count(),
        "grants": ProjectUserObjectPermission.objects.count(),
        "visible": visible,
        "detail_id": str(newest.pk),
        "deep_offset": deep_offset,
        "deep_cursor": encode_cursor(deep.created_at, deep.pk),
        "search_hits": projects.live().search(SEARCH_WORD).count(),
        "tag_hits": projects.live().with_tag(TAG).count(),
        "postgres": pg_version,
        "jit": jit,
    }


def explain_reports() -> list[dict]:
    import explain_project_list

    return explain_project_list.run_cases(list(explain_project_list.CASES))


# The client -------------------------------------------------------------------------------


class Client:
    """One sequential HTTP/1.1 client. gunicorn's sync workers close the connection after
    each response, so http.client reconnects (a loopback connect) when it has to."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def get(self, path: str, token: str | None = None) -> tuple[int, bytes, float]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
                continue
            return response.status, body, time.perf_counter() - started
        raise AssertionError("unreachable")


@dataclass
class Result:
    name: str
    request: str
    who: str
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0
    note: str = ""
    elapsed: float = 0.0

    def quantiles(self) -> dict[str, float]:
        ms = [s * 1000 for s in self.samples]
        if len(ms) < 2:
            value = ms[0] if ms else float("nan")
            return {"p50": value, "p95": value, "p99": value, "max": value, "mean": value}
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(ms),
                "mean": statistics.fmean(ms)}  # fmt: skip


def fetch_json(client: Client, path: str, token: str | None) -> dict:
    status, body, _ = client.get(path, token)
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status}: {body[:500]!r}")
    return json.loads(body)


def describe(data: dict) -> str:
    if "items" in data:
        if data.get("total") is None:
            return f"{len(data['items'])} items, no total (keyset page)"
        bound = "≥" if data.get("totalIsLowerBound") else ""
        return f"{len(data['items'])} items, total {bound}{data['total']}"
    return "one project" if "id" in data else ""


def run_repeated(client, name, who, path, token, args) -> Result:
    shown = path if len(path) <= 70 else path[:50] + "…"
    result = Result(name, f"GET {shown}", who)
    first = fetch_json(client, path, token) if path != "/healthz" else {}
    result.note = describe(first)
    warm_until = time.perf_counter() + args.max_seconds / 3
    for _ in range(args.warmup):
        client.get(path, token)
        if time.perf_counter() > warm_until:
            break
    started = time.perf_counter()
    for _ in range(args.requests):
        status, body, elapsed = client.get(path, token)
        if status != 200:
            result.errors += 1
        result.samples.append(elapsed)
        result.bytes = len(body)
        if time.perf_counter() - started > args.max_seconds:
            break
    result.elapsed = time.perf_counter() - started
    return result


def run_cursor_walk(client, who, token, args) -> Result:
    base = "/api/Projects"
    result = Result(
        f"cursor walk (nextCursor x {args.cursor_pages})",
        f"GET {base}?cursor=… (page 2 to {args.cursor_pages + 1})",
        who,
    )
    # warm-up: a short walk
    data = fetch_json(client, base, token)
    for _ in range(min(args.warmup, 10)):
        data = fetch_json(client, f"{base}?{urlencode({'cursor': data['nextCursor']})}", token)
    data = fetch_json(client, base, token)
    started = time.perf_counter()
    seen = len(data["items"])
    for _ in range(args.cursor_pages):
        cursor = data.get("nextCursor")
        if not cursor:
            break
        status, body, elapsed = client.get(f"{base}?{urlencode({'cursor': cursor})}", token)
        result.samples.append(elapsed)
        if status != 200:
            result.errors += 1
            break
        data = json.loads(body)
        seen += len(data["items"])
        result.bytes = len(body)
        if time.perf_counter() - started > args.max_seconds:
            break
    result.elapsed = time.perf_counter() - started
    tenth = max(1, len(result.samples) // 10)
    head = statistics.median(result.samples[:tenth]) * 1000
    tail = statistics.median(result.samples[-tenth:]) * 1000
    result.note = (
        f"{seen} projects walked; median of the first {tenth} hops {head:.1f} ms, "
        f"of the last {tenth} {tail:.1f} ms"
    )
    return result


def scenarios(facts: dict, tokens: dict[str, str]) -> list[tuple[str, str, str, str | None]]:
    """(name, who, path, token) of the repeated scenarios."""
    org = facts["organization_id"]
    admin, viewer, guest = tokens[ADMIN], tokens[VIEWER], tokens[GUEST]
    return [
        ("healthz (floor)", "anonymous", "/healthz", None),
        ("list, first page", "OrganizationAdmin", "/api/Projects", admin),
        ("list, first page, ?organizationId", "OrganizationAdmin",
         f"/api/Projects?organizationId={org}", admin),
        ("list, page 100 (offset)", "OrganizationAdmin", "/api/Projects?offset=2970", admin),
        (f"list, deep page by cursor (row {facts['deep_offset']:,})", "OrganizationAdmin",
         "/api/Projects?" + urlencode({"cursor": facts["deep_cursor"]}), admin),
        (f"list, deep page by offset (row {facts['deep_offset']:,})", "OrganizationAdmin",
         f"/api/Projects?offset={facts['deep_offset']}", admin),
        (f"search ({SEARCH_WORD!r})", "OrganizationAdmin",
         f"/api/Projects?search={SEARCH_WORD}", admin),
        (f"search, no match ({SEARCH_MISS!r})", "OrganizationAdmin",
         f"/api/Projects?search={SEARCH_MISS}", admin),
        (f"tag ({TAG!r})", "OrganizationAdmin", f"/api/Projects?tag={TAG}", admin),
        ("list, first page", "Viewer (member, +5% grants)", "/api/Projects", viewer),
        ("list, first page", "guest (sees 5% by grants)", "/api/Projects", guest),
        ("project detail", "OrganizationAdmin", f"/api/Projects/{facts['detail_id']}", admin),
    ]  # fmt: skip


# Load ---------------------------------------------------------------------------------------


def load_wrk(port, path, token, args) -> dict:
    command = [
        "wrk", "-t", str(min(2, args.connections)), "-c", str(args.connections),
        "-d", f"{args.duration}s", "--timeout", "10s", "--latency",
    ]  # fmt: skip
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    command.append(f"http://{HOST}:{port}{path}")
    output = subprocess.run(  # noqa: S603 - wrk, found on PATH, against 127.0.0.1 only
        command, capture_output=True, text=True, timeout=args.duration + 30, check=True
    ).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {
        "tool": "wrk",
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": parse_duration(latency["50"]),
        "p99": parse_duration(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": sockets.group(1) if sockets else "",
    }


def load_python(port, path, token, args) -> dict:
    deadline = time.perf_counter() + args.duration
    lock = threading.Lock()
    samples: list[float] = []
    errors = [0]

    def worker():
        client, mine, bad = Client(port), [], 0
        while time.perf_counter() < deadline:
            try:
                status, _, elapsed = client.get(path, token)
            except (OSError, http.client.HTTPException):
                bad += 1
                continue
            mine.append(elapsed)
            bad += status != 200
        with lock:
            samples.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.duration + 70)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles([s * 1000 for s in samples], n=100, method="inclusive")
    return {"tool": "python threads", "rps": len(samples) / elapsed, "requests": len(samples),
            "p50": cuts[49], "p99": cuts[98], "errors": errors[0], "socket_errors": ""}  # fmt: skip


# Report -------------------------------------------------------------------------------------


def write_report(path, args, machine, facts, results, loads, plans, token_how, started) -> None:
    lines = [
        "# Project list benchmark",
        "",
        f"Written by `bench/measure_project_list.py` on {started:%Y-%m-%d %H:%M} UTC "
        f"(see bench/README.md). Numbers from one run on this machine; compare runs, not "
        f"machines.",
        "",
        "## Machine and setup",
        "",
        f"- machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} memory, "
        f"{machine['os']}",
        f"- Python {machine['python']}, {machine['versions']}, {facts['postgres']} on "
        f"127.0.0.1 (jit = {facts['jit']})",
        f"- code: {machine['commit'] or 'unknown'}",
        f"- server: gunicorn, {args.workers} sync workers, `backoffice.settings.production`, "
        f"DEBUG off, CONN_MAX_AGE=60"
        + (f", database options `{args.db_options}`" if args.db_options else ""),
        f"- client: one sequential http.client client on the same machine, {args.warmup} "
        f"warm-up requests, then up to {args.requests} measured requests (at most "
        f"{args.max_seconds:.0f} s) per scenario; tokens made with {token_how}",
        "",
        "## Dataset",
        "",
        f"- Bench Bank: {facts['projects']:,} projects ({facts['live']:,} live, the rest in "
        f"the trash); a second organization with {facts['other_projects']:,}",
        f"- {facts['grants']:,} direct project grants (`projects.role_viewer`) for the Viewer "
        f"and the guest",
        f"- projects visible: OrganizationAdmin {facts['visible'][ADMIN]:,}, Viewer "
        f"{facts['visible'][VIEWER]:,}, guest {facts['visible'][GUEST]:,}",
        f"- `?search={SEARCH_WORD}` matches {facts['search_hits']:,} live projects, "
        f"`?tag={TAG}` {facts['tag_hits']:,}",
        "",
        "## Latency (one client, sequential)",
        "",
        "| scenario | as | request | n | p50 ms | p95 ms | p99 ms | max ms | req/s | response |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        q = r.quantiles()
        rps = len(r.samples) / r.elapsed if r.elapsed else 0
        errors = f"; **{r.errors} errors**" if r.errors else ""
        lines.append(
            f"| {r.name} | {r.who} | `{r.request}` | {len(r.samples)} | {fmt(q['p50'])} | "
            f"{fmt(q['p95'])} | {fmt(q['p99'])} | {fmt(q['max'])} | {rps:.0f} | "
            f"{r.note} ({r.bytes:,} B){errors} |"
        )
    lines += [
        "",
        "## Throughput",
        "",
        f"{args.connections} connections for {args.duration} s; the load generator shares the "
        f"{machine['nproc']} CPUs with gunicorn and PostgreSQL.",
        "",
        "| target | as | tool | requests | req/s | p50 ms | p99 ms | non-2xx | vs healthz |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    floor = next((load["rps"] for name, *_, load in loads if name == "/healthz"), None)
    for name, who, load in loads:
        ratio = f"{load['rps'] / floor:.2f}" if floor else ""
        errors = str(load["errors"])
        if load["socket_errors"]:
            errors += f" (socket errors: {load['socket_errors']})"
        lines.append(
            f"| `GET {name}` | {who} | {load['tool']} | {load['requests']:,} | "
            f"{load['rps']:.0f} | {fmt(load['p50'])} | {fmt(load['p99'])} | {errors} | {ratio} |"
        )
    if plans:
        lines += [
            "",
            "## SQL of the list (EXPLAIN ANALYZE, warm cache)",
            "",
            "The queries `OffsetOrCursorPagination` runs for one page, for each user, with the "
            "server's database settings (`bench/explain_project_list.py` prints them alone).",
            "",
            "| case | query | execution ms |",
            "|---|---|---:|",
        ]
        lines += [
            f"| {p['case']}: {p['description']} | {p['query']} | {p['ms']:.2f} |" for p in plans
        ]
        for p in plans:
            if p["case"] in ("admin-org", "viewer", "guest") and "OFFSET" not in p["query"]:
                sql = ["```sql", p["sql"], "```", ""] if p["query"].startswith("page") else []
                lines += [
                    "",
                    f"<details><summary>{p['case']} — {p['query']}: {p['ms']:.2f} ms</summary>",
                    "",
                    *sql,
                    "```",
                    p["plan"],
                    "```",
                    "",
                    "</details>",
                ]
    Path(path).write_text("\n".join(lines) + "\n")


# Main ---------------------------------------------------------------------------------------


def main(argv=None) -> None:
    args = parse_args(argv)
    started = datetime.now(UTC)
    database_url = server_database_url(args.database_url, args.db_options)
    env = production_env(database_url)
    setup_django(env)
    from django.db import connection

    facts = dataset_facts()
    tokens, how = {}, set()
    for email in (ADMIN, VIEWER, GUEST):
        tokens[email], made_by = make_token(email)
        how.add(made_by)
    connection.close()
    machine = machine_facts()
    print(f"dataset: {facts['projects']:,} projects; server database jit = {facts['jit']}")

    log_path = Path(tempfile.gettempdir()) / f"bench-gunicorn-{os.getpid()}.log"
    server = Gunicorn(env, args.workers, log_path)
    results, loads = [], []
    try:
        server.wait_ready()
        print(f"gunicorn on http://{HOST}:{server.port} ({args.workers} workers)")
        client = Client(server.port)
        for name, who, path, token in scenarios(facts, tokens):
            result = run_repeated(client, name, who, path, token, args)
            results.append(result)
            q = result.quantiles()
            print(f"  {name:40} {who:28} p50 {q['p50']:7.2f}  p95 {q['p95']:7.2f}  "
                  f"p99 {q['p99']:7.2f} ms  n={len(result.samples)}  {result.note}")  # fmt: skip
            if name == "list, page 100 (offset)":
                result = run_cursor_walk(client, "OrganizationAdmin", tokens[ADMIN], args)
                results.append(result)
                q = result.quantiles()
                print(f"  {result.name:40} {'OrganizationAdmin':28} p50 {q['p50']:7.2f}  "
                      f"p95 {q['p95']:7.2f}  p99 {q['p99']:7.2f} ms  {result.note}")  # fmt: skip
        use_wrk = shutil.which("wrk") and not args.no_wrk
        for path, who, token in (
            ("/healthz", "anonymous", None),
            ("/api/Projects", "OrganizationAdmin", tokens[ADMIN]),
            ("/api/Projects", "Viewer", tokens[VIEWER]),
        ):
            runner = load_wrk if use_wrk else load_python
            runner(server.port, path, token, argparse.Namespace(**{**vars(args), "duration": 2}))
            load = runner(server.port, path, token, args)  # measured after a 2 s warm-up
            loads.append((path, who, load))
            print(f"  load {path:20} {who:18} {load['rps']:8.1f} req/s ({load['tool']})")
    except Exception:
        print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
        log_path.unlink(missing_ok=True)
    plans = [] if args.no_explain else explain_reports()
    revoke_tokens(tokens)
    connection.close()
    write_report(
        args.output, args, machine, facts, results, loads, plans, " and ".join(sorted(how)), started
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
