"""A project whose PROD channel shows a real template (uploaded through the service from
``templates/demo.py``'s animation and manifest) and has a share."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.actors import Actor
from projects.services import project_activate
from shares.services import channel_publish, share_upsert
from templates import demo
from templates.services import template_upload
from tests.projects.factories import make_project

SYSTEM = Actor.system("tests")


def _json(name: str, content: dict) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(content).encode(), "application/json")


def upload_template(project, *, version: str = "1.0"):
    return template_upload(
        actor=SYSTEM,
        project=project,
        name="Bienvenida",
        version=version,
        kind="LottieStandalone",
        template_json=_json("bienvenida.json", demo.ANIMATION),
        manifest_json=_json("manifest.json", demo.MANIFEST),
    ).template


def published_project(org, *, channel: str = "PROD", name: str = "Cards Q2"):
    project = make_project(org, name=name)
    project = project_activate(actor=SYSTEM, project=project)
    template = upload_template(project)
    channel_publish(actor=SYSTEM, project=project, channel=channel, template_id=template.pk)
    return project, template


def make_share(project, channel: str = "PROD", **fields):
    fields = {
        "public_title": "Your offer",
        "public_subtitle": "Prepared for you",
        "cta_label": "Apply now",
        "cta_url": "https://bank.example.com/apply",
        "personalization_data": {"firstName": "Cliente"},
        **fields,
    }
    return share_upsert(actor=SYSTEM, project=project, channel=channel, fields=fields).share
