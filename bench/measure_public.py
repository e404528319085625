"""Throughput of the public hot paths — the landing page and the embed manifest — as a ratio
to the floor (``/healthz``: a minimal Django view through the same middleware), all served
by the same gunicorn processes in the same run, loaded by wrk on loopback.

    uv run python bench/measure_public.py [--database-url …] [--workers 3] [--duration 10]

It loads the demo tenant into the bench database (idempotent), opens a PROD share with a
credential, raises the public rate limits for the run (they would otherwise answer 429 to a
load generator), and appends nothing to the database beyond that. Writes
bench/RESULTS-public.md.
"""

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_project_list import (
    DEFAULT_DATABASE_URL,
    HOST,
    ROOT,
    Gunicorn,
    machine_facts,
    parse_duration,
    production_env,
    server_database_url,
    setup_django,
)

sys.path.insert(0, str(ROOT))

HIGH_LIMIT = "100000000"  # requests a minute: off for the run, but the check still runs


def prepare() -> dict[str, str]:
    """A published PROD channel with an enabled share and a credential; returns the paths."""
    from io import StringIO

    from django.core.management import call_command

    from backoffice.actors import Actor
    from credentials.models import ApiCredential
    from credentials.services import credential_create
    from projects.models import Project
    from shares.models import DistributionChannel
    from shares.services import share_upsert

    call_command("load_demo_data", stdout=StringIO())
    project = Project.objects.get(organization__slug="banco-andino", slug="credito-pre-aprobado-q2")
    actor = Actor.system("bench")
    share = share_upsert(
        actor=actor,
        project=project,
        channel="PROD",
        fields={
            "public_title": "Tu tarjeta te espera",
            "public_subtitle": "Una oferta pensada para ti",
            "cta_label": "Solicitar",
            "cta_url": "https://example.com/solicitar",
            "personalization_data": {"firstName": "Ana"},
        },
    ).share
    credential = ApiCredential.objects.filter(project=project, name="bench").first()
    key = (
        credential.api_key
        if credential
        else credential_create(actor=actor, project=project, name="bench").credential.api_key
    )
    handle = DistributionChannel.objects.get(project=project, channel="PROD").channel_handle
    return {
        "landing": f"/v/{share.slug}",
        "manifest": f"/embed/v1/manifest?channelHandle={handle}",
        "key": key,
    }


def wrk(port: int, path: str, headers: list[str], args) -> dict:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(args.connections),
        "-d",
        f"{args.duration}s",
        "--latency",
    ]
    for header in headers:
        command += ["-H", header]
    command.append(f"http://{HOST}:{port}{path}")
    output = subprocess.run(  # noqa: S603 - wrk against 127.0.0.1 only, bounded in time
        command, capture_output=True, text=True, timeout=args.duration + 30, check=True
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": parse_duration(latency["50"]),
        "p99": parse_duration(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def queries_per_request(paths: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    counts = {}
    for name, path, headers in (
        ("landing", paths["landing"], {}),
        ("manifest", paths["manifest"], {"HTTP_X_PERCUS_API_KEY": paths["key"]}),
    ):
        client.get(path, **headers)  # the credential's last-used write happens once a minute
        with CaptureQueriesContext(connection) as captured:
            client.get(path, **headers)
        counts[name] = len(captured)
    return counts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS-public.md"))
    args = parser.parse_args(argv)

    env = production_env(server_database_url(args.database_url, "-c jit=off"))
    env.update(PUBLIC_RATE_LIMIT=HIGH_LIMIT, CREDENTIAL_RATE_LIMIT=HIGH_LIMIT)
    env["ALLOWED_HOSTS"] = f"{HOST},testserver"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    setup_django(env)
    paths = prepare()
    queries = queries_per_request(paths)
    server = Gunicorn(env, args.workers, ROOT / "bench" / ".gunicorn-public.log")
    try:
        server.wait_ready()
        scenarios = [
            ("floor: GET /healthz", "/healthz", []),
            ("landing page GET /v/{slug}", paths["landing"], []),
            ("embed manifest", paths["manifest"], [f"X-Percus-Api-Key: {paths['key']}"]),
        ]
        for _, path, headers in scenarios:  # warm every worker
            wrk(server.port, path, headers, argparse.Namespace(**{**vars(args), "duration": 2}))
        results = [
            (name, wrk(server.port, path, headers, args)) for name, path, headers in scenarios
        ]
    finally:
        server.stop()

    floor = results[0][1]["rps"]
    machine = machine_facts()
    lines = [
        "# Public hot paths: landing page and embed manifest",
        "",
        f"Written by `bench/measure_public.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']}; gunicorn "
        f"{args.workers} sync workers, production settings, wrk {args.connections} connections "
        f"for {args.duration} s on loopback (sharing the CPUs with gunicorn and PostgreSQL).",
        "",
        "| scenario | req/s | ratio to floor | p50 ms | p99 ms | non-2xx | queries/request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results:
        key = "landing" if "landing" in name else "manifest" if "manifest" in name else None
        lines.append(
            f"| {name} | {result['rps']:.0f} | {result['rps'] / floor:.2f} | {result['p50']:.2f} "
            f"| {result['p99']:.2f} | {result['errors']} | {queries.get(key, 0) if key else 0} |"
        )
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
