"""Creating, revoking and checking API credentials. One transaction each, with its event."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backoffice import secrets
from backoffice.actors import Actor
from backoffice.audit import record_event, target
from backoffice.errors import Conflict, InvalidRequest
from backoffice.events import EventType
from backoffice.models import LAST_USED_RESOLUTION
from projects.guards import ensure_writable, lock_project
from projects.models import Project

from .constants import API_KEY_LENGTH, API_KEY_PREFIX, CHANNEL_NAMES, SECRET_LENGTH, SECRET_PREFIX
from .models import ApiCredential


@dataclass(frozen=True)
class CreatedCredential:
    credential: ApiCredential
    secret: str  # ``sk_…``: shown once, never stored


def _event(event_type: str, actor: Actor, credential: ApiCredential, changes=None) -> None:
    project = credential.project
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(project), target(credential, credential.api_key)],
        changes=changes,
    )


@transaction.atomic
def credential_create(
    *,
    actor: Actor,
    project: Project,
    name: str = "",
    channels: list[str] | None = None,
    expires_at: datetime | None = None,
) -> CreatedCredential:
    channels = list(dict.fromkeys(channels or []))
    unknown = [channel for channel in channels if channel not in CHANNEL_NAMES]
    if unknown:
        raise InvalidRequest.for_field("channels", f"Unknown channel: {', '.join(unknown)}.")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidRequest.for_field("expiresAt", "The expiry must be in the future.")
    project = lock_project(project)  # serialized with the project's archive and trash
    ensure_writable(project, doing="get credentials")
    secret = f"{SECRET_PREFIX}_{secrets.random_base62(SECRET_LENGTH)}"
    credential = ApiCredential.objects.create(
        project=project,
        name=name.strip(),
        api_key=f"{API_KEY_PREFIX}_{secrets.random_base62(API_KEY_LENGTH)}",
        secret_digest=secrets.digest(secret),
        channels=channels,
        expires_at=expires_at,
        created_by=actor.user,
    )
    _event(
        EventType.CREDENTIAL_CREATED, actor, credential, {"name": {"before": None, "after": name}}
    )
    return CreatedCredential(credential=credential, secret=secret)


@transaction.atomic
def credential_revoke(*, actor: Actor, credential: ApiCredential) -> ApiCredential:
    credential = (
        ApiCredential.objects.select_for_update(of=("self",))
        .select_related("project__organization")
        .get(pk=credential.pk)
    )
    if credential.revoked_at is not None:
        raise Conflict("This credential is already revoked.")
    credential.revoked_at = timezone.now()
    credential.revoked_by = actor.user
    credential.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    _event(
        EventType.CREDENTIAL_REVOKED,
        actor,
        credential,
        {"status": {"before": "active", "after": "revoked"}},
    )
    return credential


def credential_touch(credential: ApiCredential) -> None:
    """Record use, at most once a minute per credential (a conditional UPDATE)."""
    credential.last_used_at = credential_mark_used(credential.pk, credential.last_used_at)


def credential_mark_used(credential_id, last_used_at: datetime | None) -> datetime | None:
    """Set ``last_used_at`` to now unless it is less than a minute old; returns its value.
    The UPDATE is conditional, so concurrent uses write at most once a minute."""
    now = timezone.now()
    if last_used_at and now - last_used_at < LAST_USED_RESOLUTION:
        return last_used_at
    ApiCredential.objects.filter(pk=credential_id).exclude(
        last_used_at__gt=now - LAST_USED_RESOLUTION
    ).update(last_used_at=now)
    return now


def _usable_by_key(api_key: str) -> ApiCredential | None:
    if not api_key.startswith(f"{API_KEY_PREFIX}_") or len(api_key) > 40:
        return None
    return (
        ApiCredential.objects.usable()
        .select_related("project__organization")
        .filter(api_key=api_key)
        .first()
    )


def credential_authenticate(api_key: str, secret: str) -> ApiCredential | None:
    """The usable credential for a key and secret (HTTP Basic ``pk:sk``), or None. The
    secret is compared in constant time against its stored digest."""
    credential = _usable_by_key(api_key)
    if credential is None or not secrets.digests_match(secret, credential.secret_digest):
        return None
    credential_touch(credential)
    return credential
