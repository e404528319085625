"""State changes of distribution channels: creation with the project, publish, unpublish,
and unpublishing everything when the project is archived. Every change locks the project row
first (parent before child), so concurrent publishes of one project are serialized: ten
simultaneous PROD publishes leave exactly one Production template and a PROD channel that
shows it."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.audit import record_event, target
from backoffice.errors import Conflict, Forbidden, InvalidRequest, NotFound
from backoffice.events import EventType
from credentials.models import ApiCredential
from projects.constants import Status as ProjectStatus
from projects.guards import ensure_writable, lock_project
from projects.models import Project
from projects.validation import BCP47
from templates.constants import Status as TemplateStatus
from templates.models import Template
from templates.services import template_make_production

from .constants import (
    CHANNEL_ORDER,
    DEPLOY_REQUEST_TTL_DAYS,
    MAX_CTA_LABEL_LENGTH,
    MAX_CTA_URL_LENGTH,
    MAX_PERSONALIZATION_BYTES,
    MAX_SHARE_PASSWORD_LENGTH,
    MAX_SUBTITLE_LENGTH,
    MAX_TITLE_LENGTH,
    MIN_SHARE_PASSWORD_LENGTH,
    Channel,
    DeployStatus,
    ShareStatus,
)
from .counting import FlushResult, attach_counts, flush_counts, with_flushed_counts
from .models import (
    DeployRequest,
    DistributionChannel,
    OrganizationBranding,
    PublicVideoShare,
    new_share_slug,
)

#: Previous is publishable again: after PROD was unpublished (or to roll back), it is how
#: the same template goes back on the air.
PUBLISHABLE = (TemplateStatus.TESTING, TemplateStatus.PRODUCTION, TemplateStatus.PREVIOUS)


def channels_create(*, project: Project) -> list[DistributionChannel]:
    """The three channels of a new project (no event: they are part of its creation)."""
    existing = set(
        DistributionChannel.objects.filter(project=project).values_list("channel", flat=True)
    )
    return DistributionChannel.objects.bulk_create(
        [
            DistributionChannel(project=project, channel=channel)
            for channel in CHANNEL_ORDER
            if channel not in existing
        ]
    )


def _lock(project: Project, channel: str) -> tuple[Project, DistributionChannel]:
    project = lock_project(project)
    try:
        name = Channel(channel)
    except ValueError:
        raise NotFound(f"There is no channel {channel!r}.") from None
    row = (
        DistributionChannel.objects.select_for_update(of=("self",))
        .select_related("active_template")
        .get(project=project, channel=name)
    )
    return project, row


def _event(event_type: str, actor: Actor, project: Project, channel, template, changes) -> None:
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(channel), target(template), target(project)],
        changes=changes,
    )


@transaction.atomic
def channel_publish(
    *, actor: Actor, project: Project, channel: str, template_id: UUID | str
) -> DistributionChannel:
    """Show a template on a channel. The template must be this project's and ``Testing``,
    the current ``Production`` (re-published) or a ``Previous`` one; PROD needs an ``Active``
    project and makes the template ``Production``, the former one becoming ``Previous``."""
    project, row = _lock(project, channel)
    ensure_writable(project, doing="publish")
    template = (
        Template.objects.select_for_update(of=("self",))
        .filter(project=project, pk=template_id)
        .first()
    )
    if template is None:
        raise InvalidRequest.for_field("templateId", "No template with this id in the project.")
    if template.status not in PUBLISHABLE:
        article = "An" if template.status[0] in "AEIOU" else "A"
        raise Conflict(
            f"{article} {template.status} template can't be published: only Testing, "
            "Production and Previous ones."
        )
    if row.channel == Channel.PROD and project.status != ProjectStatus.ACTIVE:
        raise Conflict("Publishing to PROD needs an Active project.")
    before = row.active_template
    changes = {
        "activeTemplate": {
            "before": str(before.pk) if before else None,
            "after": str(template.pk),
        }
    }
    if row.channel == Channel.PROD:
        status_before = template.status
        previous = template_make_production(project=project, template=template)
        changes["templateStatus"] = {"before": status_before, "after": template.status}
        if previous is not None:
            changes["previousProduction"] = {"before": str(previous.pk), "after": "Previous"}
    row.active_template = template
    row.published_by = actor.user
    row.published_at = timezone.now()
    row.save(update_fields=["active_template", "published_by", "published_at", "updated_at"])
    _event(EventType.CHANNEL_PUBLISHED, actor, project, row, template, changes)
    return row


def _unpublish(actor: Actor, project: Project, row: DistributionChannel) -> None:
    """Take the template off the channel. ``Production`` is the template PROD serves (SPEC
    §16), so the one taken off PROD becomes ``Previous``; other channels leave it as it is."""
    template = row.active_template
    row.active_template = None
    row.published_by = None
    row.published_at = None
    row.save(update_fields=["active_template", "published_by", "published_at", "updated_at"])
    changes = {"activeTemplate": {"before": str(template.pk), "after": None}}
    if row.channel == Channel.PROD and template.status == TemplateStatus.PRODUCTION:
        template = Template.objects.select_for_update(of=("self",)).get(pk=template.pk)
        template.status = TemplateStatus.PREVIOUS
        template.save(update_fields=["status", "updated_at"])
        changes["templateStatus"] = {
            "before": TemplateStatus.PRODUCTION,
            "after": TemplateStatus.PREVIOUS,
        }
    _event(EventType.CHANNEL_UNPUBLISHED, actor, project, row, template, changes)


@transaction.atomic
def channel_unpublish(*, actor: Actor, project: Project, channel: str) -> DistributionChannel:
    """Stop showing a template on the channel (off PROD, the template becomes Previous)."""
    project, row = _lock(project, channel)
    ensure_writable(project)
    if row.active_template is None:
        raise Conflict(f"Nothing is published on {row.channel}.")
    _unpublish(actor, project, row)
    return row


def channels_unpublish_all(*, actor: Actor, project: Project) -> None:
    """Unpublish every channel of the project (archiving runs this in its transaction, with
    the project row already locked)."""
    rows = (
        DistributionChannel.objects.select_for_update(of=("self",))
        .select_related("active_template")
        .filter(project=project, active_template__isnull=False)
        .order_by("pk")
    )
    for row in rows:
        _unpublish(actor, project, row)


def channels_of(project: Project) -> list[DistributionChannel]:
    """The three channels in promotion order, in one query."""
    rows = DistributionChannel.objects.filter(project=project).select_related(
        "active_template", "published_by"
    )
    return sorted(rows, key=lambda row: CHANNEL_ORDER.index(row.channel))


# Public video shares ----------------------------------------------------------------------

#: The editable fields of a share, by model name → API name (errors name the API field).
SHARE_FIELDS = {
    "public_title": "publicTitle",
    "public_subtitle": "publicSubtitle",
    "locale": "locale",
    "cta_label": "ctaLabel",
    "cta_url": "ctaUrl",
    "personalization_data": "personalizationData",
    "api_credential_id": "apiCredentialId",
    "expires_at": "expiresAt",
}
SLUG_ATTEMPTS = 5


def _channel_name(channel: str) -> Channel:
    try:
        return Channel(channel)
    except ValueError:
        raise NotFound(f"There is no channel {channel!r}.") from None


def _is_safe_url(value: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a browser would read otherwise."""
    if value != value.strip() or any(ord(char) < 33 or char in '<>"\\' for char in value):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def share_validate(*, project: Project, channel: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Check every field of a share against §7 and return the cleaned fields; one 400 naming
    every offending field (API names)."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(SHARE_FIELDS[field], []).append(message)

    cleaned = {name: fields.get(name) for name in SHARE_FIELDS}
    for name in ("public_title", "public_subtitle", "locale", "cta_label", "cta_url"):
        value = cleaned[name]
        if value is None:
            value = ""
        if not isinstance(value, str):
            refuse(name, "Must be a string.")
            value = ""
        cleaned[name] = value.strip()
    if not cleaned["public_title"]:
        refuse("public_title", "This field is required.")
    elif len(cleaned["public_title"]) > MAX_TITLE_LENGTH:
        refuse("public_title", f"At most {MAX_TITLE_LENGTH} characters.")
    if len(cleaned["public_subtitle"]) > MAX_SUBTITLE_LENGTH:
        refuse("public_subtitle", f"At most {MAX_SUBTITLE_LENGTH} characters.")
    if cleaned["locale"] and (len(cleaned["locale"]) > 35 or not BCP47.match(cleaned["locale"])):
        refuse("locale", "Must be a BCP 47 language tag such as es-CL.")
    label, url = cleaned["cta_label"], cleaned["cta_url"]
    if len(label) > MAX_CTA_LABEL_LENGTH:
        refuse("cta_label", f"At most {MAX_CTA_LABEL_LENGTH} characters.")
    if label and not url:
        refuse("cta_url", "Required when ctaLabel is set.")
    if url and not label:
        refuse("cta_label", "Required when ctaUrl is set.")
    if url and (len(url) > MAX_CTA_URL_LENGTH or not _is_safe_url(url)):
        refuse("cta_url", "Must be an absolute http: or https: URL.")
    data = cleaned["personalization_data"]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        refuse("personalization_data", "Must be a JSON object.")
    elif len(json.dumps(data, separators=(",", ":")).encode()) > MAX_PERSONALIZATION_BYTES:
        refuse("personalization_data", f"At most {MAX_PERSONALIZATION_BYTES} bytes as JSON.")
    cleaned["personalization_data"] = data
    credential_id = cleaned["api_credential_id"]
    if credential_id is not None:
        credential = ApiCredential.objects.usable().filter(project=project, pk=credential_id)
        credential = credential.first() if _is_uuid(credential_id) else None
        if credential is None:
            refuse("api_credential_id", "No active credential with this id in the project.")
        elif not credential.allows_channel(channel):
            refuse("api_credential_id", f"This credential is not allowed on {channel}.")
        else:
            cleaned["api_credential_id"] = credential.pk
    expires_at = cleaned["expires_at"]
    if expires_at is not None and not isinstance(expires_at, datetime):
        refuse("expires_at", "Must be a date and time.")
    elif expires_at is not None and expires_at <= timezone.now():
        refuse("expires_at", "Must be in the future (leave it out for no expiry).")
    if "password" in fields:  # absent: the password stays as it is
        password = fields["password"] or ""
        if not isinstance(password, str):
            errors.setdefault("password", []).append("Must be a string.")
        elif password and not (
            MIN_SHARE_PASSWORD_LENGTH <= len(password) <= MAX_SHARE_PASSWORD_LENGTH
        ):
            errors.setdefault("password", []).append(
                f"Between {MIN_SHARE_PASSWORD_LENGTH} and {MAX_SHARE_PASSWORD_LENGTH} "
                "characters (empty or null removes the password)."
            )
        else:
            cleaned["password_hash"] = make_password(password) if password else ""
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidRequest(first, errors=errors)
    return cleaned


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def _share_event(event_type: str, actor: Actor, share: PublicVideoShare, changes=None) -> None:
    project = share.project
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(share, f"{share.channel} share"), target(project)],
        changes=changes,
    )


def _snapshot(share: PublicVideoShare) -> dict[str, Any]:
    """The audited state of a share. The password appears only as whether there is one
    (never the password, nor its hash)."""
    snapshot = {
        api: (str(value) if isinstance(value := getattr(share, name), UUID) else value)
        for name, api in SHARE_FIELDS.items()
    }
    snapshot["hasPassword"] = share.has_password
    return snapshot


@dataclass(frozen=True)
class UpsertedShare:
    share: PublicVideoShare
    created: bool


@transaction.atomic
def share_upsert(
    *, actor: Actor, project: Project, channel: str, fields: dict[str, Any]
) -> UpsertedShare:
    """Create the channel's share or replace its editable fields (PUT). Idempotent: the same
    body again changes nothing and records no event."""
    name = _channel_name(channel)
    project = lock_project(project)
    ensure_writable(project, doing="change its shares")
    cleaned = share_validate(project=project, channel=name, fields=fields)
    share = PublicVideoShare.objects.filter(project=project, channel=name).first()
    if share is None:
        share = PublicVideoShare(project=project, channel=name, created_by=actor.user, **cleaned)
        _save_with_fresh_slug(share)
        share.project = project
        _share_event(
            EventType.SHARE_CREATED,
            actor,
            share,
            {api: {"before": None, "after": value} for api, value in _snapshot(share).items()},
        )
        return UpsertedShare(share=share, created=True)
    before = _snapshot(share)
    old_hash = share.password_hash
    for field, value in cleaned.items():
        setattr(share, field, value)
    after = _snapshot(share)
    changes = {
        api: {"before": before[api], "after": after[api]}
        for api in after
        if before[api] != after[api]
    }
    if old_hash and share.password_hash and old_hash != share.password_hash:
        changes["password"] = {"before": "set", "after": "changed"}
    if changes:
        share.save(update_fields=[*cleaned, "updated_at"])
        share.project = project
        _share_event(EventType.SHARE_UPDATED, actor, share, changes)
    return UpsertedShare(share=share, created=False)


def _save_with_fresh_slug(share: PublicVideoShare, *, update_fields=None) -> None:
    """Save with a new slug, drawing again on the (astronomically unlikely) collision."""
    for attempt in range(SLUG_ATTEMPTS):
        if attempt or update_fields:
            share.slug = new_share_slug()
        try:
            with transaction.atomic():
                share.save(update_fields=update_fields)
            return
        except IntegrityError as error:
            if "slug" not in str(error) or attempt == SLUG_ATTEMPTS - 1:
                raise


def _locked_share(project: Project, channel: str) -> tuple[Project, PublicVideoShare]:
    name = _channel_name(channel)
    project = lock_project(project)
    share = (
        PublicVideoShare.objects.select_for_update(of=("self",))
        .filter(project=project, channel=name)
        .first()
    )
    if share is None:
        raise NotFound(f"The project has no share on {name}.")
    share.project = project
    ensure_writable(project, doing="change its shares")
    return project, share


@transaction.atomic
def share_disable(*, actor: Actor, project: Project, channel: str) -> PublicVideoShare:
    """Take the landing page down, keeping its configuration (409 if already disabled)."""
    project, share = _locked_share(project, channel)
    if not share.is_enabled:
        raise Conflict("This share is already disabled.")
    share.status = ShareStatus.DISABLED
    share.disabled_at = timezone.now()
    share.disabled_by = actor.user
    share.save(update_fields=["status", "disabled_at", "disabled_by", "updated_at"])
    _share_event(
        EventType.SHARE_DISABLED,
        actor,
        share,
        {"status": {"before": "Enabled", "after": "Disabled"}},
    )
    return share


@transaction.atomic
def share_restore(*, actor: Actor, project: Project, channel: str) -> PublicVideoShare:
    """Serve a disabled share again, at the same slug (409 if it is enabled)."""
    project, share = _locked_share(project, channel)
    if share.is_enabled:
        raise Conflict("This share is enabled: there is nothing to restore.")
    share.status = ShareStatus.ENABLED
    share.restored_at = timezone.now()
    share.restored_by = actor.user
    share.save(update_fields=["status", "restored_at", "restored_by", "updated_at"])
    _share_event(
        EventType.SHARE_RESTORED,
        actor,
        share,
        {"status": {"before": "Disabled", "after": "Enabled"}},
    )
    return share


@dataclass(frozen=True)
class RotatedSlug:
    share: PublicVideoShare
    previous_slug: str


@transaction.atomic
def share_rotate_slug(*, actor: Actor, project: Project, channel: str) -> RotatedSlug:
    """Give the share a new slug; the previous URL stops working at once (nothing keeps it)."""
    project, share = _locked_share(project, channel)
    previous = share.slug
    share.slug_rotated_at = timezone.now()
    share.slug_rotated_by = actor.user
    _save_with_fresh_slug(
        share, update_fields=["slug", "slug_rotated_at", "slug_rotated_by", "updated_at"]
    )
    # The slugs are the page's secret: the event keeps only their first characters.
    _share_event(
        EventType.SLUG_ROTATED,
        actor,
        share,
        {"slug": {"before": previous[:6] + "…", "after": share.slug[:6] + "…"}},
    )
    return RotatedSlug(share=share, previous_slug=previous)


def shares_of(project: Project) -> list[PublicVideoShare]:
    """The project's shares in promotion order with their counts, in one query (and one cache
    round trip for the counts not yet flushed)."""
    rows = (
        with_flushed_counts(PublicVideoShare.objects.filter(project=project))
        .annotate(served_template_id=Subquery(_served_template))
        .select_related(
            "project",
            "api_credential",
            "created_by",
            "disabled_by",
            "restored_by",
            "slug_rotated_by",
        )
    )
    return sorted(attach_counts(rows), key=lambda row: CHANNEL_ORDER.index(row.channel))


#: The template the share's channel shows (annotated as ``served_template_id``).
_served_template = DistributionChannel.objects.filter(
    project=OuterRef("project"), channel=OuterRef("channel")
).values("active_template_id")[:1]


def with_served_template(queryset):
    """Shares annotated with what their channel serves, so ``share_is_live`` reads no more."""
    return queryset.annotate(served_template_id=Subquery(_served_template))


def share_is_live(share: PublicVideoShare) -> bool:
    """``live`` (SPEC §16): the share is enabled, its channel shows a template, its project is
    neither archived nor trashed, and its credential, if it names one, is usable on the
    channel. Exactly when the landing page plays (200). Reads ``served_template_id`` when
    annotated (``shares_of``), else one query."""
    return share_not_live_reason(share) is None


def share_not_live_reason(share: PublicVideoShare) -> str | None:
    """Why the landing page does not play, in words (None when the share is live): the one
    rule behind ``share_is_live``, worded for the staff admin."""
    project = share.project
    if not share.is_enabled:
        return "the share is disabled"
    if project.trashed_at is not None:
        return "the project is in the trash"
    if project.is_archived:
        return "the project is archived"
    if share.is_expired:
        return "the share has expired"
    if hasattr(share, "served_template_id"):
        served = share.served_template_id
    else:
        served = (
            DistributionChannel.objects.filter(project_id=share.project_id, channel=share.channel)
            .values_list("active_template_id", flat=True)
            .first()
        )
    if served is None:
        return f"nothing is published on {share.channel}"
    credential = share.api_credential
    if credential is None:
        return None
    if credential.revoked_at is not None:
        return "its API credential is revoked"
    if credential.is_expired:
        return "its API credential has expired"
    if not credential.allows_channel(share.channel):
        return f"its API credential is not allowed on {share.channel}"
    return None


def share_counts_flush() -> FlushResult:
    """Move the landing-page counts pending in the cache into the daily table (run every
    minute by the scheduler, or by ``manage.py flush_share_counts``). Idempotent; safe to run
    in several processes at once. No audit event: counting is not a change anyone made."""
    return flush_counts()


# Organization branding (SPEC §16: a page a bank would send) --------------------------------

#: The editable fields of the branding, by model name → API name.
BRANDING_FIELDS = {
    "display_name": "displayName",
    "brand_colour": "brandColour",
    "privacy_policy_url": "privacyPolicyUrl",
}
MAX_DISPLAY_NAME_LENGTH = 120
MAX_LOGO_BYTES = 2 * 1024 * 1024
LOGO_SIZE = 256  # longest side, pixels
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def branding_of(organization) -> OrganizationBranding:
    """The organization's branding (an unsaved empty one when it has none yet)."""
    found = OrganizationBranding.objects.filter(organization=organization).first()
    return found or OrganizationBranding(organization=organization)


def _locked_branding(organization) -> OrganizationBranding:
    branding, _ = OrganizationBranding.objects.select_for_update().get_or_create(
        organization=organization
    )
    branding.organization = organization
    return branding


def branding_validate(fields: dict[str, Any]) -> dict[str, Any]:
    """The named fields, cleaned; one 400 naming every offending field (API names)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        api = BRANDING_FIELDS[name]
        value = "" if value is None else value
        if not isinstance(value, str):
            errors.setdefault(api, []).append("Must be a string.")
            continue
        cleaned[name] = value.strip()
    name = cleaned.get("display_name", "")
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        errors.setdefault("displayName", []).append(
            f"At most {MAX_DISPLAY_NAME_LENGTH} characters."
        )
    colour = cleaned.get("brand_colour", "")
    if colour and not HEX_COLOUR.fullmatch(colour):
        errors.setdefault("brandColour", []).append("Must be a colour as #RRGGBB.")
    cleaned["brand_colour"] = colour.lower() if "brand_colour" in cleaned else None
    url = cleaned.get("privacy_policy_url", "")
    if url and (len(url) > MAX_CTA_URL_LENGTH or not _is_safe_url(url)):
        errors.setdefault("privacyPolicyUrl", []).append("Must be an absolute http: or https: URL.")
    if errors:
        raise InvalidRequest(next(iter(errors.values()))[0], errors=errors)
    return {name: value for name, value in cleaned.items() if value is not None}


def _branding_event(actor: Actor, organization, changes: dict) -> None:
    record_event(
        event_type=EventType.ORGANIZATION_BRANDING_UPDATED,
        actor=actor,
        organization=organization,
        targets=[target(organization)],
        changes=changes,
    )


@transaction.atomic
def branding_update(*, actor: Actor, organization, fields: dict[str, Any]) -> OrganizationBranding:
    """Change the named branding fields (PATCH semantics: the others stay; null or "" clears
    one). Records ``ORGANIZATION_BRANDING_UPDATED`` with before/after when anything changed."""
    cleaned = branding_validate(fields)
    branding = _locked_branding(organization)
    changes = {
        BRANDING_FIELDS[name]: {"before": getattr(branding, name), "after": value}
        for name, value in cleaned.items()
        if getattr(branding, name) != value
    }
    if changes:
        for name, value in cleaned.items():
            setattr(branding, name, value)
        branding.save()
        _branding_event(actor, organization, changes)
    return branding


@transaction.atomic
def branding_logo_set(*, actor: Actor, organization, data: bytes) -> OrganizationBranding:
    """Store a new logo: any image Pillow reads (checked by content, bounded like
    thumbnails), re-encoded as a PNG of at most 256 px, named by its hash. The old file is
    removed once the change commits."""
    from projects.thumbnails import open_image, render

    if len(data) > MAX_LOGO_BYTES:
        raise InvalidRequest.for_field("logo", f"At most {MAX_LOGO_BYTES // (1024 * 1024)} MB.")
    png = render(open_image(data, "logo"), LOGO_SIZE)
    name = f"{logo_folder(organization.pk)}/{hashlib.sha256(png).hexdigest()[:32]}.png"
    branding = _locked_branding(organization)
    before = branding.logo_path
    if before != name:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(png))
        branding.logo_path = name
        branding.save()
        _branding_event(actor, organization, {"logo": {"before": before or None, "after": name}})
        _remove_after_commit(before)
    return branding


@transaction.atomic
def branding_logo_remove(*, actor: Actor, organization) -> OrganizationBranding:
    """Remove the logo (400 when there is none)."""
    branding = _locked_branding(organization)
    if not branding.logo_path:
        raise InvalidRequest.for_field("logo", "The organization has no logo.")
    before = branding.logo_path
    branding.logo_path = ""
    branding.save()
    _branding_event(actor, organization, {"logo": {"before": before, "after": None}})
    _remove_after_commit(before)
    return branding


def logo_folder(organization_id) -> str:
    return f"org/{organization_id}/branding"


def _remove_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


# Four-eyes PROD deploys (SPEC §17) ----------------------------------------------------------


def _deploy_event(event_type: str, actor: Actor, request: DeployRequest, changes) -> None:
    record_event(
        event_type=event_type,
        actor=actor,
        organization=request.project.organization,
        project_id=request.project_id,
        targets=[target(request), target(request.template), target(request.project)],
        changes=changes,
    )


def _who(user) -> str | None:
    return user.email if user else None


def needs_approval(project: Project, channel: str) -> bool:
    return channel.upper() == Channel.PROD and project.organization.require_prod_approval


def _expire_stale(project: Project, channel: str) -> None:
    """Pending requests of this channel past their expiry become Expired (inside the caller's
    transaction, the project row locked), so a new request can be made."""
    stale = list(
        DeployRequest.objects.select_for_update(of=("self",))
        .select_related("project__organization", "template")
        .filter(
            project=project,
            channel=channel,
            status=DeployStatus.PENDING,
            expires_at__lte=timezone.now(),
        )
    )
    for request in stale:
        _expire(request)


def _expire(request: DeployRequest, *, reason: str | None = None) -> None:
    request.status = DeployStatus.EXPIRED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    changes = {"status": {"before": DeployStatus.PENDING, "after": DeployStatus.EXPIRED}}
    if reason:
        changes["reason"] = {"before": None, "after": reason}
    _deploy_event(EventType.DEPLOY_EXPIRED, Actor.system("deploy requests"), request, changes)


def deploy_requests_expire_for_archive(*, project: Project) -> int:
    """An archived project publishes nothing, so its pending requests can never be approved:
    they expire at once (inside the archiving transaction, the project row locked)."""
    pending = list(
        DeployRequest.objects.select_for_update(of=("self",))
        .select_related("project__organization", "template")
        .filter(project=project, status=DeployStatus.PENDING)
    )
    for request in pending:
        _expire(request, reason="The project was archived.")
    return len(pending)


@transaction.atomic
def deploy_request_create(
    *, actor: Actor, project: Project, template_id: UUID | str, channel: str = Channel.PROD
) -> DeployRequest:
    """Ask for a template to be published to PROD; another ProjectManager+ decides. The
    template must be publishable now (it is checked again at approval). One pending request
    per channel: a second one is a 409."""
    project, _row = _lock(project, channel.upper())
    channel = Channel(channel.upper())
    if channel != Channel.PROD:
        raise InvalidRequest.for_field("channel", "Only PROD deploys need approval.")
    ensure_writable(project, doing="publish")
    template = Template.objects.filter(project=project, pk=template_id).first()
    if template is None:
        raise InvalidRequest.for_field("templateId", "No template with this id in the project.")
    if template.status not in PUBLISHABLE:
        raise Conflict(f"A {template.status} template can't be published.")
    if project.status != ProjectStatus.ACTIVE:
        raise Conflict("Publishing to PROD needs an Active project.")
    _expire_stale(project, channel)
    if DeployRequest.objects.filter(
        project=project, channel=channel, status=DeployStatus.PENDING
    ).exists():
        raise Conflict("A deploy request for PROD is already pending: approve or reject it.")
    request = DeployRequest.objects.create(
        project=project,
        channel=channel,
        template=template,
        requested_by=actor.user,
        expires_at=timezone.now() + timedelta(days=DEPLOY_REQUEST_TTL_DAYS),
    )
    _deploy_event(
        EventType.DEPLOY_REQUESTED,
        actor,
        request,
        {
            "status": {"before": None, "after": DeployStatus.PENDING},
            "template": {"before": None, "after": str(template.pk)},
        },
    )
    return request


def channel_publish_or_request(
    *, actor: Actor, project: Project, channel: str, template_id: UUID | str
) -> DistributionChannel | DeployRequest:
    """What "publish" means for this organization: PROD with ``require_prod_approval`` on
    makes a deploy request; anything else publishes at once."""
    if needs_approval(project, channel):
        return deploy_request_create(
            actor=actor, project=project, template_id=template_id, channel=channel
        )
    return channel_publish(actor=actor, project=project, channel=channel, template_id=template_id)


def _decide(actor: Actor, request: DeployRequest) -> DeployRequest:
    """Lock the request (the project first, as every channel change does) and check that
    this actor may decide it now."""
    _lock(request.project, request.channel)
    request = (
        DeployRequest.objects.select_for_update(of=("self",))
        .select_related("project__organization", "template", "requested_by")
        .get(pk=request.pk)
    )
    if request.status != DeployStatus.PENDING:
        raise Conflict(f"This deploy request is already {request.status.lower()}.")
    if request.is_expired:
        raise Conflict("This deploy request has expired: request the deploy again.")
    if actor.user is None or (
        request.requested_by_id is not None and request.requested_by_id == actor.user.pk
    ):
        raise Forbidden("Another person must decide a deploy request: not its requester.")
    return request


@transaction.atomic
def deploy_request_approve(*, actor: Actor, request: DeployRequest) -> DeployRequest:
    """Approve and publish, in one transaction: if the publish is refused (the template is
    no longer publishable…), nothing is approved. Two approvals at once publish once: the
    second waits for the lock and then finds the request approved (409)."""
    request = _decide(actor, request)
    channel_publish(
        actor=actor,
        project=request.project,
        channel=request.channel,
        template_id=request.template_id,
    )
    request.status = DeployStatus.APPROVED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _deploy_event(
        EventType.DEPLOY_APPROVED,
        actor,
        request,
        {
            "status": {"before": DeployStatus.PENDING, "after": DeployStatus.APPROVED},
            "requestedBy": {"before": None, "after": _who(request.requested_by)},
            "approvedBy": {"before": None, "after": _who(actor.user)},
        },
    )
    return request


@transaction.atomic
def deploy_request_reject(
    *, actor: Actor, request: DeployRequest, reason: str = ""
) -> DeployRequest:
    request = _decide(actor, request)
    request.status = DeployStatus.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.reason = reason.strip()[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    _deploy_event(
        EventType.DEPLOY_REJECTED,
        actor,
        request,
        {
            "status": {"before": DeployStatus.PENDING, "after": DeployStatus.REJECTED},
            "requestedBy": {"before": None, "after": _who(request.requested_by)},
            "rejectedBy": {"before": None, "after": _who(actor.user)},
            "reason": {"before": None, "after": request.reason},
        },
    )
    return request


def deploy_requests_expire() -> int:
    """Mark every pending request past its expiry Expired (the beat schedule runs this
    hourly; one transaction per request, skipping those another run holds)."""
    expired = 0
    due = DeployRequest.objects.filter(
        status=DeployStatus.PENDING, expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            request = (
                DeployRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("project__organization", "template")
                .filter(pk=pk, status=DeployStatus.PENDING)
                .first()
            )
            if request is not None:
                _expire(request)
                expired += 1
    return expired
