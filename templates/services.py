"""State changes of templates: upload (validated, streamed to storage, idempotent), archive,
delete, and the move to Production that publishing to PROD makes. One transaction each, with
its audit event; the project row is locked first, so uploads and status changes of one
project are serialized."""

import hashlib
import json
import mimetypes
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from backoffice.actors import Actor
from backoffice.audit import record_event, target
from backoffice.errors import Conflict, DomainError, InvalidRequest, InvalidTransition
from backoffice.events import EventType
from projects.guards import ensure_writable, lock_project
from projects.models import Project

from . import validation
from .conf import max_upload_bytes
from .constants import MAX_ASSET_FILES, UPLOAD_FIELD, VERSION_PATTERN, FileRole, Kind, Status
from .models import IdempotencyRecord, Template, TemplateFile
from .signals import in_use_checks

CHUNK = 1024 * 1024


class UploadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    title = HTTPStatus.REQUEST_ENTITY_TOO_LARGE.phrase  # as the other 413s


@dataclass
class IncomingFile:
    """An uploaded file with what the upload learned about it."""

    role: str
    upload: UploadedFile
    size: int = 0
    sha256: str = ""
    content_type: str = "application/octet-stream"
    filename: str = ""

    @property
    def field(self) -> str:
        return UPLOAD_FIELD[FileRole(self.role)]


@dataclass
class UploadOutcome:
    """What an upload answers: the template made now, or the stored first response."""

    status_code: int
    body: dict[str, Any] = field(default_factory=dict)
    template: Template | None = None
    replayed: bool = False


def _hash(upload: UploadedFile) -> tuple[int, str]:
    """Size and SHA-256, read in chunks (the upload may be a large temporary file)."""
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def request_fingerprint(fields: dict[str, str], files: Iterable[IncomingFile]) -> str:
    """SHA-256 over the sorted form fields and each file's role, name and SHA-256."""
    described = sorted((f.field, f.upload.name or "", f.sha256) for f in files)
    payload = json.dumps({"fields": sorted(fields.items()), "files": described})
    return hashlib.sha256(payload.encode()).hexdigest()


def _event(event_type: str, actor: Actor, template: Template, changes=None, extra=()) -> None:
    project = template.project
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(template), target(project), *extra],
        changes=changes,
    )


#: What ``_Errors.check`` returns for a validation that failed (JSON ``null`` is a value).
FAILED = object()


class _Errors:
    """The field errors of one request, gathered so a single 400 names every mistake."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def check(self, check: Callable[[], Any]) -> Any:
        """Run a validation that raises ``InvalidRequest``; keep its errors, return FAILED."""
        try:
            return check()
        except InvalidRequest as error:
            for field, messages in (error.errors or {"": [error.detail]}).items():
                for message in messages:
                    self.add(field, message)
            return FAILED

    def raise_if_any(self) -> None:
        if self.errors:
            count = sum(len(messages) for messages in self.errors.values())
            detail = (
                next(iter(self.errors.values()))[0]
                if count == 1
                else f"{count} fields of the upload are invalid: see errors."
            )
            raise InvalidRequest(detail, errors=self.errors)


def _check_fields(errors: _Errors, name: str, version: str, kind: str) -> None:
    if not name or not name.strip():
        errors.add("name", "This field is required.")
    elif len(name) > 255:
        errors.add("name", "At most 255 characters.")
    if not VERSION_PATTERN.match(version or ""):
        errors.add("version", "Use major.minor, e.g. 1.0.")
    if not kind:
        errors.add("kind", f"This field is required: one of {', '.join(Kind.values)}.")
    elif kind not in Kind.values:
        errors.add("kind", f"{kind!r} is not a kind: one of {', '.join(Kind.values)}.")


def _collect(
    *,
    errors: _Errors,
    kind: str,
    template_json: UploadedFile | None,
    manifest_json: UploadedFile | None,
    overlay_json: UploadedFile | None,
    video_file: UploadedFile | None,
    poster_file: UploadedFile | None,
    asset_files: list[UploadedFile],
) -> tuple[list[IncomingFile], list[dict[str, Any]]]:
    """Validate every file by its content; returns the files to store and the bindings.
    Every mistake is added to ``errors`` (the caller raises them all at once)."""
    if template_json is None:
        errors.add("templateJson", "This file is required.")
    if kind == Kind.RASTER and video_file is None:
        errors.add("videoFile", "A Raster template needs its MP4 video.")
    if kind == Kind.LOTTIE_STANDALONE and overlay_json is not None:
        errors.add("overlayJson", "Only Raster templates have an overlay.")
    if kind == Kind.LOTTIE_STANDALONE and video_file is not None:
        errors.add("videoFile", "Only Raster templates have a video.")
    if len(asset_files) > MAX_ASSET_FILES:
        errors.add("assetFiles", f"At most {MAX_ASSET_FILES} files.")

    json_type = "application/json"
    files: list[IncomingFile] = []
    bindings: list[dict[str, Any]] = []
    layers: set[str] | None = None
    if template_json is not None:
        animation = errors.check(lambda: validation.read_json(template_json, "templateJson"))
        if animation is not FAILED:
            layers = errors.check(lambda: validation.validate_lottie(animation, "templateJson"))
        files.append(IncomingFile(FileRole.TEMPLATE_JSON, template_json, content_type=json_type))
    if manifest_json is not None:
        manifest = errors.check(lambda: validation.read_json(manifest_json, "manifestJson"))
        if manifest is not FAILED and layers not in (None, FAILED):
            checked = errors.check(
                lambda: validation.validate_manifest(manifest, layers, "manifestJson")
            )
            bindings = [] if checked is FAILED else checked
        files.append(IncomingFile(FileRole.MANIFEST_JSON, manifest_json, content_type=json_type))
    if overlay_json is not None:
        overlay = errors.check(lambda: validation.read_json(overlay_json, "overlayJson"))
        if overlay is not FAILED and not isinstance(overlay, dict):
            errors.add("overlayJson", "The overlay placement is an object.")
        files.append(IncomingFile(FileRole.OVERLAY_JSON, overlay_json, content_type=json_type))
    if video_file is not None:
        errors.check(lambda: validation.validate_mp4(video_file, "videoFile"))
        files.append(IncomingFile(FileRole.VIDEO, video_file, content_type="video/mp4"))
    if poster_file is not None:
        image_format = errors.check(lambda: validation.validate_image(poster_file, "posterFile"))
        poster_format = "" if image_format is FAILED else image_format
        poster_type = Image.MIME.get(poster_format, "application/octet-stream")
        files.append(IncomingFile(FileRole.POSTER, poster_file, content_type=poster_type))
    for asset in asset_files:
        guessed = mimetypes.guess_type(asset.name or "")[0] or "application/octet-stream"
        files.append(IncomingFile(FileRole.ASSET, asset, content_type=guessed))
    if errors.errors:
        return files, bindings

    fixed_names = {
        FileRole.TEMPLATE_JSON: "template.json",
        FileRole.MANIFEST_JSON: "manifest.json",
        FileRole.OVERLAY_JSON: "overlay.json",
        FileRole.VIDEO: "video.mp4",
    }
    for incoming in files:
        incoming.size, incoming.sha256 = _hash(incoming.upload)
        original = os.path.basename(incoming.upload.name or "") or incoming.role
        if incoming.role == FileRole.POSTER:
            extension = os.path.splitext(original)[1].lower() or ".img"
            incoming.filename = f"poster{extension}"
        else:
            incoming.filename = fixed_names.get(incoming.role, f"asset-{original}")
    return files, bindings


def template_upload(
    *,
    actor: Actor,
    project: Project,
    name: str,
    version: str = "1.0",
    kind: str,
    template_json: UploadedFile | None,
    manifest_json: UploadedFile | None = None,
    overlay_json: UploadedFile | None = None,
    video_file: UploadedFile | None = None,
    poster_file: UploadedFile | None = None,
    asset_files: list[UploadedFile] | None = None,
    idempotency_key: str | None = None,
    respond: Callable[[Template], dict[str, Any]] | None = None,
) -> UploadOutcome:
    """Validate and store a new ``Testing`` template with its files.

    Files are checked before anything is written, then saved through the storage API under
    ``org/<org>/projects/<project>/templates/<template>/``. If anything fails after a file
    was saved, the saved files are removed, so a failed upload leaves neither rows nor files.
    With an ``idempotency_key``, the first response (``respond(template)``) is stored with
    the request's fingerprint under the project lock: a retry gets it back, another request
    with the same key is a 409.
    """
    asset_files = list(asset_files or [])
    uploads = [template_json, manifest_json, overlay_json, video_file, poster_file, *asset_files]
    total = sum(upload.size or 0 for upload in uploads if upload is not None)
    limit = max_upload_bytes()
    if total > limit:
        raise UploadTooLarge(f"Uploads are limited to {limit} bytes in all.")
    name = (name or "").strip()
    errors = _Errors()
    _check_fields(errors, name, version, kind)
    files, bindings = _collect(
        errors=errors,
        kind=kind,
        template_json=template_json,
        manifest_json=manifest_json,
        overlay_json=overlay_json,
        video_file=video_file,
        poster_file=poster_file,
        asset_files=asset_files,
    )
    errors.raise_if_any()
    fingerprint = request_fingerprint({"name": name, "version": version, "kind": kind}, files)

    saved: list[str] = []
    try:
        with transaction.atomic():
            project = lock_project(project)
            scope = {
                "caller": idempotency_caller(actor),
                "operation": UPLOAD_OPERATION,
                "project": project,
                "key": idempotency_key,
            }
            if idempotency_key:
                record = IdempotencyRecord.objects.filter(**scope).first()
                if record is not None and record.created_at < idempotency_cutoff():
                    record.delete()  # expired: the key is free again
                    record = None
                if record is not None:
                    if record.fingerprint != fingerprint:
                        raise Conflict(
                            "This Idempotency-Key was used for a different request.",
                            errors={"Idempotency-Key": ["Already used for another request."]},
                        )
                    return UploadOutcome(record.status_code, record.body, replayed=True)
            ensure_writable(project)
            if Template.objects.filter(project=project, name=name, version=version).exists():
                raise Conflict(f"{name} {version} already exists in this project.")
            try:
                with transaction.atomic():
                    template = Template.objects.create(
                        project=project,
                        name=name,
                        version=version,
                        kind=kind,
                        bindings=bindings,
                        created_by=actor.user,
                    )
            except IntegrityError:
                raise Conflict(f"{name} {version} already exists in this project.") from None
            rows = []
            for incoming in files:
                row = TemplateFile(
                    template=template,
                    role=incoming.role,
                    original_name=os.path.basename(incoming.upload.name or "")[:255],
                    size=incoming.size,
                    sha256=incoming.sha256,
                    content_type=incoming.content_type,
                )
                incoming.upload.seek(0)
                row.file.save(incoming.filename, incoming.upload, save=False)
                saved.append(row.file.name)
                rows.append(row)
            TemplateFile.objects.bulk_create(rows)
            _event(
                EventType.TEMPLATE_UPLOADED,
                actor,
                template,
                {
                    "name": {"before": None, "after": name},
                    "version": {"before": None, "after": version},
                    "kind": {"before": None, "after": kind},
                    "status": {"before": None, "after": template.status},
                },
            )
            body = respond(template) if respond else {"id": str(template.pk)}
            if idempotency_key:
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            **scope,
                            fingerprint=fingerprint,
                            status_code=201,
                            body=body,
                        )
                except IntegrityError:
                    # Only reachable if the project lock was bypassed: never two templates.
                    raise Conflict("A request with this Idempotency-Key is in progress.") from None
            return UploadOutcome(201, body, template=template)
    except BaseException:
        for name_on_disk in saved:
            default_storage.delete(name_on_disk)
        raise


UPLOAD_OPERATION = "template_upload"


def idempotency_caller(actor: Actor) -> str:
    """The caller an ``Idempotency-Key`` belongs to: the person, whichever of their tokens or
    their session sent it; else the credential or system actor."""
    if actor.user is not None:
        return f"user:{actor.user.pk}"
    return f"{actor.kind}:{actor.ref_id or actor.label}"[:80]


def idempotency_cutoff() -> datetime:
    """Records created before this have expired."""
    return timezone.now() - settings.IDEMPOTENCY_KEY_TTL


def idempotency_records_purge() -> int:
    """Delete the expired ``Idempotency-Key`` records; returns how many. Housekeeping of an
    internal table (a replay cache, not a business object), so no audit event."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=idempotency_cutoff()).delete()
    return deleted


def _lock_template(template: Template) -> tuple[Project, Template]:
    project = lock_project(template.project)
    template = (
        Template.objects.select_for_update(of=("self",))
        .select_related("project__organization")
        .get(pk=template.pk)
    )
    return project, template


def _ensure_unused(template: Template, verb: str) -> None:
    for check in in_use_checks:
        reason = check(template)
        if reason:
            raise Conflict(f"Can't {verb} this template: {reason}.")


@transaction.atomic
def template_archive(*, actor: Actor, template: Template) -> Template:
    """Any status → Archived. Refused while a channel shows it (unpublish first)."""
    project, template = _lock_template(template)
    ensure_writable(project)
    if template.status == Status.ARCHIVED:
        raise InvalidTransition("The template is already archived.")
    _ensure_unused(template, "archive")
    before = template.status
    template.status = Status.ARCHIVED
    template.save(update_fields=["status", "updated_at"])
    _event(
        EventType.TEMPLATE_ARCHIVED,
        actor,
        template,
        {"status": {"before": before, "after": "Archived"}},
    )
    return template


@transaction.atomic
def template_delete(*, actor: Actor, template: Template) -> None:
    """Delete a template that was never in Production, with its files (removed from storage
    once the transaction commits, by the ``TemplateFile`` post-delete receiver)."""
    project, template = _lock_template(template)
    ensure_writable(project)
    if template.was_production or template.status == Status.PRODUCTION:
        raise Conflict("A template that was ever in Production can't be deleted.")
    _ensure_unused(template, "delete")
    _event(
        EventType.TEMPLATE_DELETED,
        actor,
        template,
        {"name": {"before": str(template), "after": None}},
    )
    template.delete()


def template_make_production(*, project: Project, template: Template) -> Template | None:
    """Make ``template`` the project's Production template and move the previous one to
    Previous; returns that previous one. The caller (publishing to PROD) holds the project
    lock inside its transaction, so two promotions never interleave."""
    if template.status == Status.PRODUCTION:
        return None
    previous = (
        Template.objects.select_for_update(of=("self",))
        .filter(project=project, status=Status.PRODUCTION)
        .first()
    )
    if previous is not None:
        previous.status = Status.PREVIOUS
        previous.save(update_fields=["status", "updated_at"])
    template.status = Status.PRODUCTION
    template.was_production = True
    template.save(update_fields=["status", "was_production", "updated_at"])
    return previous
