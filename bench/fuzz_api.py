"""Schemathesis against the app run as in production, with a large budget: every check and
all four phases (examples, coverage, fuzzing, stateful), the same configuration as the CI
test ``tests/security/test_api_fuzzing.py`` with many more examples. Writes
``bench/RESULTS-fuzz.md``: operations, generated cases, findings (to be 0).

    uv run python bench/fuzz_api.py                       # 50 examples per operation
    uv run python bench/fuzz_api.py --examples 200 --stateful-steps 40

A database of its own (``percus_bench_fuzz``, dropped and created again), the demo data of
``load_demo_data`` and its OrganizationAdmin's token; gunicorn with the production settings on
a free port of 127.0.0.1, rate limits raised (the run sends bad tokens on purpose).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from harness import Gunicorn, machine_facts, production_env, server_database_url  # noqa: E402

from tests.security.schemathesis_cli import Budget, findings, run  # noqa: E402

ROOT = HERE.parent
RESULTS = HERE / "RESULTS-fuzz.md"
BASE_URL = "postgres://postgres@127.0.0.1:5432"


def fresh_database(name: str) -> str:
    """Drop and create ``name`` on the local PostgreSQL; its URL."""
    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_database_url(f"{BASE_URL}/{name}", "")


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def demo_ids(env: dict[str, str]) -> tuple[str, str]:
    """The demo organization's id and its oldest project's."""
    out = manage(
        env,
        "shell",
        "-c",
        "from backoffice.models import Organization; from projects.models import Project; "
        "o = Organization.objects.get(slug='banco-andino'); "
        "p = Project.objects.filter(organization=o).order_by('created_at').first(); "
        "print('IDS', o.pk, p.pk)",
    )
    _, organization, project = re.search(r"IDS (\S+) (\S+)", out).group(0).split()
    return organization, project


def write_results(args, report: dict, elapsed: float, facts: dict) -> None:
    lines = findings(report)
    operations, cases = report["operations"], report["test_cases"]
    phases = ", ".join(f"{name} {phase['status']}" for name, phase in report["phases"].items())
    warnings = {name: labels for name, labels in report["warnings"].items() if labels}
    text = f"""# Schemathesis, every check, all phases (`bench/fuzz_api.py`)

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {facts["commit"]}, {facts["nproc"]} CPUs
({facts["cpu"]}), {facts["memory"]}; {facts["versions"]}; schemathesis
{report["schemathesis_version"]}.

Command: `uv run python bench/fuzz_api.py --examples {args.examples} --stateful-steps \
{args.stateful_steps} --seed {args.seed}` (gunicorn, production settings,
{args.workers} sync workers; checks: all; phases: examples, coverage, fuzzing, stateful).

| figure | value |
|---|---|
| operations in the schema | {operations["total"]} |
| operations tested | {operations["tested"]} (selected {operations["selected"]}; \
`POST /api/tokens/{{id}}/revoke` is left out: it would revoke the run's own token) |
| test cases generated | {cases["generated"]} |
| cases with failures | {cases["with_failures"]} |
| **findings** (unique failures) | **{cases["unique_failures"]}** |
| errors | {len(report["errors"])} |
| phases | {phases} |
| stop reason | {report["stop_reason"]} |
| running time | {elapsed:.0f} s |

Findings:

{chr(10).join(f"- {line}" for line in lines) if lines else "None."}

Warnings of the run (not failures: operations that never got past 401/403 or 404 with the
generated data, responses without a deserializer):

{chr(10).join(f"- {name}: {', '.join(labels)}" for name, labels in warnings.items()) or "None."}
"""
    RESULTS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=50, help="per operation (default 50)")
    parser.add_argument("--stateful-steps", type=int, default=20, help="default 20")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--database", default="percus_bench_fuzz")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds (default 4 h)")
    args = parser.parse_args()

    env = production_env(fresh_database(args.database))
    env.update(
        AUTH_FAILURE_LIMIT=str(10**8),  # ignored_auth sends bad tokens on purpose
        CREDENTIAL_RATE_LIMIT=str(10**8),
        PUBLIC_RATE_LIMIT=str(10**8),
        CELERY_BROKER_URL="memory://",  # webhook deliveries are queued, never sent
    )
    print("migrate, load_demo_data …", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    token = re.search(r"pbt_[0-9A-Za-z]+_[0-9A-Za-z]+", manage(env, "load_demo_data")).group(0)
    organization, project = demo_ids(env)
    facts = machine_facts()

    server = Gunicorn(env, workers=args.workers, log_path=HERE / ".fuzz-gunicorn.log")
    try:
        server.wait_ready()
        print(f"schemathesis on 127.0.0.1:{server.port} …", flush=True)
        started = time.monotonic()
        report = run(
            f"http://127.0.0.1:{server.port}",
            token=token,
            organization_id=organization,
            project_id=project,
            budget=Budget(
                max_examples=args.examples,
                stateful_steps=args.stateful_steps,
                seed=args.seed,
                deterministic=False,
            ),
            workdir=HERE / ".fuzz",
            timeout=args.timeout,
        )
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    write_results(args, report, elapsed, facts)
    (HERE / ".fuzz" / "output.txt").write_text(report["output"])
    print(RESULTS.read_text())
    return 1 if findings(report) else 0


if __name__ == "__main__":
    sys.exit(main())
