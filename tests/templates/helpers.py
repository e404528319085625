"""Helpers for tests that need templates: real fixture files as uploads, and templates made
through the upload service."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.actors import Actor
from backoffice.models import User
from projects.models import Project
from templates.models import Template
from templates.services import template_upload

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_file(name: str, as_name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(as_name or name, (FIXTURES / name).read_bytes())


def upload_form(kind: str = "LottieStandalone", **overrides) -> dict:
    """A valid multipart form of the upload endpoint; ``None`` values are left out."""
    form = {
        "name": "Welcome video",
        "version": "1.0",
        "kind": kind,
        "templateJson": fixture_file("lottie.json"),
        "manifestJson": fixture_file("manifest.json"),
        "posterFile": fixture_file("poster.png"),
    }
    if kind == "Raster":
        form["videoFile"] = fixture_file("video.mp4")
        form["overlayJson"] = fixture_file("overlay.json")
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def make_template(
    project: Project,
    user: User | None = None,
    *,
    name: str = "Welcome video",
    version: str = "1.0",
    kind: str = "LottieStandalone",
) -> Template:
    actor = Actor.for_user(user) if user else Actor.system("tests")
    outcome = template_upload(
        actor=actor,
        project=project,
        name=name,
        version=version,
        kind=kind,
        template_json=fixture_file("lottie.json"),
        manifest_json=fixture_file("manifest.json"),
        poster_file=fixture_file("poster.png"),
        video_file=fixture_file("video.mp4") if kind == "Raster" else None,
    )
    return outcome.template


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]
