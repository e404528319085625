"""Where a project list request spends its time, in-process: each list scenario is
requested through Django's test client (the bench server's settings, the 1 000-project data
set by default), timed without a profiler, then profiled with cProfile; writes the top
functions by cumulative time per scenario to bench/PROFILE.md.

    uv run python bench/profile_list.py --size 1000 --requests 100

In-process figures leave out gunicorn, the HTTP parsing and the TCP connect, and they move
less with the load of a shared machine than wrk's (one process, no contention for workers);
they still take CPU time that neighbours share. (Named ``profile_list`` and not ``profile``:
a ``profile.py`` on ``sys.path`` would shadow the standard library module cProfile needs.)
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate_projects import ensure_dataset  # noqa: E402 - after the path set-up
from harness import (  # noqa: E402
    HOST,
    ROOT,
    machine_facts,
    make_token,
    production_env,
    revoke_tokens,
    setup_django,
)
from run import (  # noqa: E402
    ADMIN,
    GUEST,
    HIGH_LIMIT,
    PAGE_1000_OFFSET,
    REFERENCE_PATH,
    SEARCH_WORD,
    bench_env,
    database_url,
)

sys.path.insert(0, str(ROOT))

#: (name, who, path): the list scenarios of ``run.py``, and the reference for comparison.
SCENARIOS = [
    ("project list, first page", ADMIN, "/api/Projects"),
    ("reference: typical DRF list, first page", ADMIN, f"/{REFERENCE_PATH}"),
    ("project list, first page (guest, ~5% by grants)", GUEST, "/api/Projects"),
    (
        "project list, page 1 000 (guest, ~5% by grants)",
        GUEST,
        f"/api/Projects?offset={PAGE_1000_OFFSET}",
    ),
    (f"search ({SEARCH_WORD!r})", ADMIN, f"/api/Projects?search={SEARCH_WORD}"),
]

OWN_TOP = 15


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="projects in the data set")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--requests", type=int, default=100, help="per scenario and phase")
    parser.add_argument("--top", type=int, default=40, help="functions shown per scenario")
    parser.add_argument("--output", default=str(BENCH / "PROFILE.md"))
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 2000 or not 1 <= args.top <= 200:
        parser.error("--requests: 1 to 2 000; --top: 1 to 200")
    return args


def where(filename: str) -> str:
    """A short location: relative to the repository or to site-packages."""
    if filename.startswith(str(ROOT)) and "site-packages" not in filename:
        return os.path.relpath(filename, ROOT)
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    return filename


class DatabaseTime:
    """Wall time spent in ``cursor.execute`` (PostgreSQL and the driver), and the count."""

    def __init__(self) -> None:
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.queries += 1


def timings(cases: list[tuple], requests: int) -> list[dict]:
    """Each case's request ``requests`` times, the cases interleaved (one request of each in
    turn), so a load that drifts on a shared machine weighs on every case alike."""
    from django.db import connection

    found = []
    for client, path, headers in cases:
        for _ in range(5):  # warm: the first use fills caches and claims lastUsedAt
            response = client.get(path, **headers)
        found.append({"status": response.status_code, "times": [], "database": DatabaseTime()})
    for _ in range(requests):
        for (client, path, headers), result in zip(cases, found, strict=True):
            with connection.execute_wrapper(result["database"]):
                began = time.perf_counter()
                client.get(path, **headers)
                result["times"].append((time.perf_counter() - began) * 1000)
    return [
        {
            "status": r["status"],
            "mean_ms": statistics.fmean(r["times"]),
            "median_ms": statistics.median(r["times"]),
            "database_ms": r["database"].seconds * 1000 / requests,
            "queries": r["database"].queries / requests,
        }
        for r in found
    ]


def profile(client, path: str, headers: dict, requests: int, top: int) -> dict:
    """A cProfile of ``requests`` requests: the top functions by cumulative and own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path, **headers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(entry[3] for entry in stats.stats.values())  # the outermost call's

    def table(column: int, count: int) -> list[dict]:
        rows = []
        for (filename, line, function), (_, calls, own, cumulative, _) in sorted(
            stats.stats.items(), key=lambda item: item[1][column], reverse=True
        )[:count]:
            rows.append(
                {
                    "function": function,
                    "where": f"{where(filename)}:{line}" if line else where(filename),
                    "calls": calls / requests,
                    "own_ms": own * 1000 / requests,
                    "cumulative_ms": cumulative * 1000 / requests,
                    "share": cumulative / total if total else 0.0,
                    "own_share": own / total if total else 0.0,
                }
            )
        return rows

    return {
        "profiled_ms": total * 1000 / requests,
        "rows": table(3, top),  # by cumulative time
        "own_rows": table(2, OWN_TOP),  # by own time: where the CPU actually goes
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    url = database_url(args.size)
    ensure_dataset(url, args.size, args.seed)
    env = production_env(url)
    env.update(bench_env(), PUBLIC_RATE_LIMIT=HIGH_LIMIT, CREDENTIAL_RATE_LIMIT=HIGH_LIMIT)
    env.update(AUTH_FAILURE_LIMIT=HIGH_LIMIT)
    setup_django(env)
    from django.test import Client

    started = datetime.now(UTC)
    load = os.getloadavg()
    tokens = {email: make_token(email)[0] for email in (ADMIN, GUEST)}
    results = []
    try:
        cases = [
            (Client(HTTP_HOST=HOST), path, {"HTTP_AUTHORIZATION": f"Bearer {tokens[email]}"})
            for _, email, path in SCENARIOS
        ]
        timed = timings(cases, args.requests)
        for (name, _, path), case, result in zip(SCENARIOS, cases, timed, strict=True):
            result |= profile(*case, args.requests, args.top)
            results.append((name, path, result))
            print(
                f"{name:50} {result['status']} mean {result['mean_ms']:6.2f} ms, median "
                f"{result['median_ms']:6.2f} ms, in the database {result['database_ms']:5.2f} ms "
                f"({result['queries']:.0f} queries)",
                flush=True,
            )
    finally:
        revoke_tokens(tokens)
    machine = machine_facts()
    lines = [
        "# Where the project list's time goes (in-process profiles)",
        "",
        f"Written by `bench/profile_list.py --size {args.size} --requests {args.requests}` on "
        f"{started:%Y-%m-%d %H:%M} UTC, code {machine['commit'] or 'unknown'}, "
        f"{machine['nproc']} CPUs, {machine['versions']}. Load average at the start: "
        f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} (a shared machine: compare the "
        "scenarios of one file, not files).",
        "",
        "Each scenario is requested in-process through Django's test client with the bench "
        "server's settings (`bench/bench_settings.py`: production's, DEBUG off, a read token), "
        "after 5 unmeasured requests: first timed without a profiler, the scenarios "
        "interleaved (one request of each in turn, so the machine's drift weighs on all "
        "alike; *mean*, *median*; *in the database* is the wall time inside "
        "`cursor.execute`), then each under cProfile "
        "(which slows Python code, so its figures are larger). No gunicorn, HTTP parsing or "
        "TCP connect. The tables are per request: calls, own (tottime) and cumulative ms, "
        "and the cumulative share of the profiled request.",
        "",
        "| scenario | request | status | queries | mean ms | median ms | in the database ms "
        "| profiled ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, r in results:
        lines.append(
            f"| {name} | `{path}` | {r['status']} | {r['queries']:.0f} | {r['mean_ms']:.2f} | "
            f"{r['median_ms']:.2f} | {r['database_ms']:.2f} | {r['profiled_ms']:.2f} |"
        )
    for name, path, r in results:
        lines += [
            "",
            f"## {name}: `{path}`",
            "",
            "| function | where | calls | own ms | cumulative ms | share |",
            "|---|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| `{row['function']}` | {row['where']} | {row['calls']:g} | {row['own_ms']:.3f} | "
            f"{row['cumulative_ms']:.3f} | {row['share']:.0%} |"
            for row in r["rows"]
        ]
        lines += [
            "",
            f"By own time (the {OWN_TOP} functions that spend most in their own code):",
            "",
            "| function | where | calls | own ms | share of the request |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| `{row['function']}` | {row['where']} | {row['calls']:g} | {row['own_ms']:.3f} | "
            f"{row['own_share']:.0%} |"
            for row in r["own_rows"]
        ]
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
