"""Scale-out check: two app servers on one database see each other's changes at once.

    uv run python bench/scale_out.py [--size 1000]

It starts two gunicorn servers (production settings, each with its own process-local cache,
as two machines would have, or with ``--cache-url redis://…`` one shared Redis, where the
public pages keep their rows) on two ports of 127.0.0.1 against the same bench database, makes
a change through server A's API and reads the result on server B right away:

1. disabling a share: B's landing page answers 410;
2. publishing a new template to PROD: B's embed manifest shows it;
3. revoking an API credential: B's embed manifest answers 401.

It prints PASS or FAIL for each check and exits with 1 when one fails. The set-up (a fresh
share, credential and Testing template on one project, a write token) is made in-process,
and what the checks changed stays in the bench database (on that one project).
"""

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate_projects import ensure_dataset  # noqa: E402 - after the path set-up
from harness import HOST, ROOT, Gunicorn, production_env, setup_django  # noqa: E402
from run import database_url, request  # noqa: E402

sys.path.insert(0, str(ROOT))


def prepare() -> dict:
    """A fresh PROD share, credential and Testing template on the oldest Active project of
    Bench Bank (``run.py`` measures the newest), and a write token for its admin."""
    from backoffice.actors import Actor
    from backoffice.models import User
    from backoffice.services import token_create
    from credentials.services import credential_create
    from projects.models import Project
    from shares.models import DistributionChannel
    from shares.services import share_restore, share_upsert
    from templates.models import Template, TemplateFile

    actor = Actor.system("bench scale-out")
    project = (
        Project.objects.live()
        .filter(organization__slug="bench-bank", status="Active")
        .order_by("created_at", "id")
        .first()
    )
    share = share_upsert(
        actor=actor,
        project=project,
        channel="PROD",
        fields={"public_title": "Scale-out check", "personalization_data": {"firstName": "Ana"}},
    ).share
    if not share.is_enabled:
        share = share_restore(actor=actor, project=project, channel="PROD")
    key = credential_create(actor=actor, project=project, name="scale-out").credential.api_key
    shown = DistributionChannel.objects.get(project=project, channel="PROD").active_template
    template = Template.objects.create(
        project=project,
        name=shown.name,
        version=f"9.{Template.objects.filter(project=project).count()}",
        kind=shown.kind,
        bindings=shown.bindings,
    )
    TemplateFile.objects.bulk_create(
        TemplateFile(
            template=template,
            role=f.role,
            file=f.file.name,
            original_name=f.original_name,
            size=f.size,
            sha256=f.sha256,
            content_type=f.content_type,
        )
        for f in shown.files.all()
    )
    token = token_create(
        actor=actor,
        user=User.objects.get(email="admin@bench.example"),
        name="scale-out",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    ).value
    handle = DistributionChannel.objects.get(project=project, channel="PROD").channel_handle
    return {
        "project": str(project.pk),
        "slug": share.slug,
        "key": key,
        "credential": str(
            project.credentials.get(api_key=key).pk  # the id the API revokes
        ),
        "template": str(template.pk),
        "manifest": "/embed/v1/manifest?" + urlencode({"channelHandle": handle}),
        "token": token,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="projects of the bench data set")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument(
        "--cache-url",
        default="",
        help="CACHE_URL of both servers, e.g. redis://127.0.0.1:6379/6: one shared Redis, "
        "so the check covers the public rows cached there (default: each process's own "
        "local-memory cache)",
    )
    args = parser.parse_args(argv)

    url = database_url(args.size)
    ensure_dataset(url, args.size, args.seed)
    env = production_env(url)
    env.update(PUBLIC_RATE_LIMIT="100000", CREDENTIAL_RATE_LIMIT="100000")
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    setup_django(env)
    facts = prepare()
    from django.db import connection

    connection.close()

    logs = [Path(tempfile.gettempdir()) / f"bench-scale-{os.getpid()}-{n}.log" for n in "ab"]
    servers = [Gunicorn(env, args.workers, log) for log in logs]
    results: list[tuple[str, bool, str]] = []
    try:
        for server in servers:
            server.wait_ready()
        a, b = (server.port for server in servers)
        print(f"server A on {HOST}:{a}, server B on {HOST}:{b}, database {url.rsplit('/', 1)[1]}")
        api = {"Authorization": f"Bearer {facts['token']}", "Content-Type": "application/json"}
        embed = {"X-Percus-Api-Key": facts["key"]}
        project = f"/api/Projects/{facts['project']}"

        def check(name: str, ok: bool, detail: str) -> None:
            results.append((name, ok, detail))
            print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")

        # Read twice first on B (with Redis, the second read is a cache hit).
        request(b, f"/v/{facts['slug']}", {})
        before = request(b, f"/v/{facts['slug']}", {})[0]
        done = request(a, f"{project}/public-video-shares/PROD/disable", api, "POST", "{}")[0]
        after = request(b, f"/v/{facts['slug']}", {})[0]
        check(
            "share disabled on A, landing on B",
            before == 200 and done == 200 and after == 410,
            f"B before {before}, A disable {done}, B after {after} (want 200, 200, 410)",
        )

        request(b, facts["manifest"], embed)
        status, _, body = request(b, facts["manifest"], embed)
        old = json.loads(body).get("templateId") if status == 200 else None
        body_json = json.dumps({"templateId": facts["template"]})
        done = request(a, f"{project}/distribution-channels/PROD/publish", api, "POST", body_json)[
            0
        ]
        status, _, body = request(b, facts["manifest"], embed)
        new = json.loads(body).get("templateId") if status == 200 else None
        check(
            "template published to PROD on A, manifest on B",
            done == 200 and old != facts["template"] and new == facts["template"],
            f"B before {old}, A publish {done}, B after {new} (want {facts['template']})",
        )

        before = request(b, facts["manifest"], embed)[0]
        done = request(a, f"/api/credentials/{facts['credential']}/revoke", api, "POST", "{}")[0]
        after = request(b, facts["manifest"], embed)[0]
        check(
            "credential revoked on A, manifest on B",
            before == 200 and done == 200 and after == 401,
            f"B before {before}, A revoke {done}, B after {after} (want 200, 200, 401)",
        )
    except Exception:
        for server in servers:
            print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        for server in servers:
            server.stop()
        for log in logs:
            log.unlink(missing_ok=True)
    failed = [name for name, ok, _ in results if not ok]
    print(f"{len(results) - len(failed)}/{len(results)} checks passed")
    return 1 if failed or len(results) < 3 else 0


if __name__ == "__main__":
    sys.exit(main())
