"""Run by ``test_demo_on_sqlite.py`` in its own process, on a fresh SQLite database: loads the
demo data and reads what a demo user reads first. Prints one JSON line of status codes."""

import json

import django
from django.core.management import call_command

django.setup()

from django.test import Client  # noqa: E402

from backoffice.actors import Actor  # noqa: E402
from backoffice.models import User  # noqa: E402
from credentials.services import credential_create  # noqa: E402
from projects.models import Project  # noqa: E402
from shares.models import DistributionChannel  # noqa: E402
from shares.services import share_upsert  # noqa: E402

call_command("migrate", verbosity=0)
call_command("load_demo_data", verbosity=0)

seen: dict[str, int] = {}
client = Client(HTTP_HOST="127.0.0.1")
project = Project.objects.get(slug="credito-pre-aprobado-q2")
for email in ("admin", "pm", "dev", "viewer"):
    client.force_login(User.objects.get(email=f"{email}@demo.percus.local"))
    for path in (
        "/api/Projects",
        "/api/Projects?search=credito&offset=1",
        f"/api/Projects/{project.pk}",
        f"/api/Projects/{project.pk}/templates",
        f"/api/Projects/{project.pk}/history",
        f"/api/Projects/{project.pk}/comments",
        f"/api/Projects/{project.pk}/all-users",
    ):
        seen[f"{email} {path}"] = client.get(path).status_code
audit = f"/api/Organizations/{project.organization_id}/audit-events"
seen[f"viewer {audit}"] = client.get(audit).status_code  # the Viewer is last: 403
client.force_login(User.objects.get(email="admin@demo.percus.local"))
seen[f"admin {audit}"] = client.get(audit).status_code
client.logout()

actor = Actor.system("demo probe")
channel = DistributionChannel.objects.get(project=project, channel="PROD")
key = credential_create(actor=actor, project=project, name="probe").credential.api_key
share = share_upsert(
    actor=actor,
    project=project,
    channel="PROD",
    fields={"public_title": "Hola", "cta_label": "Ir", "cta_url": "https://example.com/"},
).share
seen["home"] = client.get("/").status_code
seen["landing"] = client.get(f"/v/{share.slug}").status_code
seen["cta"] = client.get(f"/v/{share.slug}/cta").status_code
manifest = client.get(
    f"/embed/v1/manifest?channelHandle={channel.channel_handle}",
    headers={"X-Percus-Api-Key": key},
)
seen["manifest"] = manifest.status_code
seen["file"] = client.get(manifest.json()["templateUrl"].split("8000", 1)[-1]).status_code
print(json.dumps(seen))
