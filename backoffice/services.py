"""State changes of the core: organizations, users, memberships, personal API tokens and
invitations. Each runs in one transaction and records its audit event there."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from . import secrets
from .actors import Actor
from .audit import apply_changes, record_event, target
from .errors import Conflict, Forbidden, InvalidRequest, NotFound
from .events import EventType
from .models import LAST_USED_RESOLUTION, ApiToken, Invitation, Membership, Organization, User
from .permissions import forget_roles
from .roles import Role
from .signals import project_invitation_accepted

TOKEN_KIND = "pbt"
# A BCP 47 tag as people write them: a language, then optional subtags (es, es-CL, zh-Hant-TW).
LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


# Organizations -------------------------------------------------------------------------


def _check_default_locale(tag: str) -> str:
    tag = (tag or "").strip()
    if not LOCALE_TAG.fullmatch(tag):
        raise InvalidRequest.for_field(
            "defaultLocale", "Must be a BCP 47 language tag such as es-CL."
        )
    return tag


def organization_create(
    *, actor: Actor, name: str, slug: str | None = None, default_locale: str = "en-US"
) -> Organization:
    name = name.strip()
    if not name:
        raise InvalidRequest.for_field("name", "The name is required.")
    default_locale = _check_default_locale(default_locale)
    base = slugify(slug or name)[:70] or "organization"
    if slug and Organization.objects.filter(slug=base).exists():
        raise Conflict(f"The slug '{base}' is taken.", errors={"slug": ["This slug is taken."]})
    for attempt in range(1, 100):
        candidate = base if attempt == 1 else f"{base}-{attempt}"
        try:
            with transaction.atomic():
                organization = Organization.objects.create(
                    name=name, slug=candidate, default_locale=default_locale
                )
                record_event(
                    event_type=EventType.ORGANIZATION_CREATED,
                    actor=actor,
                    organization=organization,
                    targets=[target(organization)],
                    changes={"name": {"before": None, "after": name}},
                )
                return organization
        except IntegrityError:
            if slug:
                raise Conflict(f"The slug '{base}' is taken.") from None
    raise Conflict("Could not find a free slug for this organization.")


@transaction.atomic
def organization_update(*, actor: Actor, organization: Organization, **changes) -> Organization:
    """Rename, change the default locale or ``require_prod_approval``; the slug never
    changes."""
    if "default_locale" in changes:
        changes["default_locale"] = _check_default_locale(changes["default_locale"])
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = apply_changes(
        organization, changes, editable=("name", "default_locale", "require_prod_approval")
    )
    if changed:
        organization.save(update_fields=[*changed, "updated_at"])
        record_event(
            event_type=EventType.ORGANIZATION_UPDATED,
            actor=actor,
            organization=organization,
            targets=[target(organization)],
            changes=changed,
        )
    return organization


# Users and memberships ----------------------------------------------------------------


def may_manage_rights(actor: Actor) -> bool:
    """Only the system Owner (a superuser) and the system itself (management commands, run
    by operators of the servers) grant or take away staff access, Owner rights, Django
    permissions and groups, or edit a staff account other than their own."""
    if actor.kind == "system":
        return True
    user = actor.user
    return user is not None and user.is_active and user.is_owner


def ensure_may_edit_user(actor: Actor, user: User, changes: dict | None = None) -> None:
    """Refuse (403) a change of rights, or any change of another staff account, by anyone
    but the Owner. Nobody raises their own rights."""
    if may_manage_rights(actor):
        return
    if changes and "is_staff" in changes and bool(changes["is_staff"]) != user.is_staff:
        raise Forbidden("Only the system Owner grants or takes away staff access.")
    if (user.is_staff or user.is_owner) and (actor.user is None or actor.user.pk != user.pk):
        raise Forbidden("Only the system Owner edits a staff account.")


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    email: str,
    password: str | None = None,
    display_name: str = "",
    status: str = User.Status.ACTIVE,
    is_owner: bool = False,
) -> User:
    if is_owner and not may_manage_rights(actor):
        raise Forbidden("Only the system Owner makes someone Owner.")
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("A user with this e-mail exists.", errors={"email": ["Already in use."]})
    user = User(
        email=email,
        display_name=display_name,
        status=status,
        is_staff=is_owner,
        is_superuser=is_owner,
    )
    user.set_password(password)  # None gives an unusable password
    user.save()
    record_event(
        event_type=EventType.USER_CREATED, actor=actor, organization=None, targets=[target(user)]
    )
    return user


@transaction.atomic
def user_update_profile(*, actor: Actor, user: User, **changes) -> User:
    """Change a user's e-mail, display name or staff access (status has its own services).
    Staff access, and any staff account but one's own, are the Owner's to change."""
    user = User.objects.select_for_update().get(pk=user.pk)
    ensure_may_edit_user(actor, user, changes)
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"].strip())
        taken = User.objects.filter(email__iexact=changes["email"]).exclude(pk=user.pk)
        if taken.exists():
            raise Conflict("A user with this e-mail exists.", errors={"email": ["Already in use."]})
    changed = apply_changes(user, changes, editable=("email", "display_name", "is_staff"))
    if changed:
        user.save(update_fields=list(changed))
        record_event(
            event_type=EventType.USER_UPDATED,
            actor=actor,
            organization=None,
            targets=[target(user)],
            changes=changed,
        )
    return user


def _lock_organization(organization: Organization) -> None:
    """Serialize changes to an organization's admins, so the last one can't slip away."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _ensure_other_admin(membership: Membership) -> None:
    if membership.role != Role.ORGANIZATION_ADMIN or not membership.is_active:
        return
    others = (
        Membership.objects.filter(
            organization_id=membership.organization_id,
            role=Role.ORGANIZATION_ADMIN,
            deactivated_at__isnull=True,
            user__status=User.Status.ACTIVE,
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise Conflict("An organization must keep at least one active OrganizationAdmin.")


@transaction.atomic
def membership_set_role(
    *, actor: Actor, organization: Organization, user: User, role: Role | str
) -> Membership:
    """Add the user to the organization with this role, or change their role there."""
    role = Role(role)
    _lock_organization(organization)
    membership = (
        Membership.objects.select_for_update().filter(organization=organization, user=user).first()
    )
    if membership is None:
        membership = Membership.objects.create(organization=organization, user=user, role=role)
        record_event(
            event_type=EventType.USER_LINKED,
            actor=actor,
            organization=organization,
            targets=[target(user)],
            changes={"role": {"before": None, "after": role}},
        )
    elif membership.role != role:
        if role != Role.ORGANIZATION_ADMIN:
            _ensure_other_admin(membership)
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        record_event(
            event_type=EventType.ROLE_CHANGED,
            actor=actor,
            organization=organization,
            targets=[target(user)],
            changes={"role": {"before": before, "after": role}},
        )
    forget_roles(user)
    return membership


@transaction.atomic
def member_deactivate(*, actor: Actor, membership: Membership) -> Membership:
    """Take away the member's access to this organization. A user left with no active
    organization is deactivated, so none of their tokens or sessions work any more."""
    _lock_organization(membership.organization)
    membership.refresh_from_db()
    if not membership.is_active:
        raise Conflict("This member is already deactivated.")
    _ensure_other_admin(membership)
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["deactivated_at", "updated_at"])
    user = membership.user
    user_changes = {}
    still_member = user.memberships.filter(deactivated_at__isnull=True).exists()
    if not still_member and not user.is_owner and user.status == User.Status.ACTIVE:
        user.status = User.Status.DEACTIVATED
        user.save(update_fields=["status"])
        user_changes = {"status": {"before": User.Status.ACTIVE, "after": user.status}}
    record_event(
        event_type=EventType.USER_DEACTIVATED,
        actor=actor,
        organization=membership.organization,
        targets=[target(user)],
        changes={"active": {"before": True, "after": False}, **user_changes},
    )
    forget_roles(user)
    return membership


@transaction.atomic
def member_reactivate(*, actor: Actor, membership: Membership) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_active:
        raise Conflict("This member is already active.")
    membership.deactivated_at = None
    membership.save(update_fields=["deactivated_at", "updated_at"])
    user = membership.user
    user_changes = {}
    if user.status == User.Status.DEACTIVATED:
        user.status = User.Status.ACTIVE
        user.save(update_fields=["status"])
        user_changes = {"status": {"before": User.Status.DEACTIVATED, "after": user.status}}
    record_event(
        event_type=EventType.USER_REACTIVATED,
        actor=actor,
        organization=membership.organization,
        targets=[target(user)],
        changes={"active": {"before": False, "after": True}, **user_changes},
    )
    forget_roles(user)
    return membership


@transaction.atomic
def user_grant_model_permissions(*, actor: Actor, user: User, app_labels: list[str]) -> User:
    """Give a staff user Django's model permissions on these apps (what opens their admin
    pages; what the user may do on each object is still decided by their roles)."""
    from django.contrib.auth.models import Permission

    user = User.objects.select_for_update().get(pk=user.pk)
    missing = list(
        Permission.objects.filter(content_type__app_label__in=app_labels)
        .exclude(pk__in=user.user_permissions.values("pk"))
        .select_related("content_type")
    )
    added = sorted(f"{p.content_type.app_label}.{p.codename}" for p in missing)
    if not added:
        return user
    user.user_permissions.add(*missing)
    record_event(
        event_type=EventType.USER_PERMISSIONS_GRANTED,
        actor=actor,
        organization=None,
        targets=[target(user)],
        changes={"permissions": {"before": None, "after": added}},
    )
    return user


@transaction.atomic
def user_set_owner(*, actor: Actor, user: User, is_owner: bool) -> User:
    """Make the user the system Owner (a superuser with staff access), or take it away.

    Taking it away clears only ``is_superuser``: staff access without superuser rights is
    Django's own notion (model permissions), decided separately in the admin. Only the Owner
    (or the system) may do either.
    """
    if not may_manage_rights(actor):
        raise Forbidden("Only the system Owner grants or takes away Owner rights.")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.is_superuser
    if is_owner:
        if user.is_superuser and user.is_staff:
            return user
        user.is_superuser = user.is_staff = True
    else:
        if not user.is_superuser:
            return user
        user.is_superuser = False
    user.save(update_fields=["is_superuser", "is_staff"])
    record_event(
        event_type=EventType.OWNER_GRANTED if is_owner else EventType.OWNER_REVOKED,
        actor=actor,
        organization=None,
        targets=[target(user)],
        changes={"owner": {"before": before, "after": is_owner}},
    )
    forget_roles(user)
    return user


# Personal API tokens ------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    value: str  # the full token, shown once and never stored


@transaction.atomic
def token_create(
    *,
    actor: Actor,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.WRITE,
    expires_at: datetime | None = None,
) -> CreatedToken:
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidRequest.for_field("expiresAt", "The expiry must be in the future.")
    issued = secrets.issue_token(TOKEN_KIND)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=ApiToken.Scope(scope),
        expires_at=expires_at,
        prefix=issued.prefix,
        digest=issued.digest,
    )
    record_event(
        event_type=EventType.TOKEN_CREATED,
        actor=actor,
        organization=None,
        targets=[target(user), target(token)],
        changes={"scope": {"before": None, "after": token.scope}},
    )
    return CreatedToken(token=token, value=issued.value)


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.")
    token.revoked_at = timezone.now()
    token.revoked_by = actor.user
    token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    record_event(
        event_type=EventType.TOKEN_REVOKED,
        actor=actor,
        organization=None,
        targets=[target(token.user), target(token)],
        changes={"status": {"before": "active", "after": "revoked"}},
    )
    return token


def token_authenticate(value: str) -> ApiToken | None:
    """The usable token this value stands for, or None. Marks it used (once a minute)."""
    prefix = secrets.token_prefix(value, TOKEN_KIND)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not secrets.digests_match(value, token.digest) or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE, not save(): concurrent requests write at most once a minute.
        ApiToken.objects.filter(pk=token.pk).exclude(
            last_used_at__gt=now - LAST_USED_RESOLUTION
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# Invitations --------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str  # contains the single-use token; only ever sent by e-mail


def _invitation_link(token: str) -> str:
    """The token rides in the URL fragment: browsers never send it, so it reaches no server,
    proxy or access log (the page posts it)."""
    return f"{settings.SITE_URL}/invitations/#{token}"


def _send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "ttl_days": settings.INVITATION_TTL_DAYS}
    if invitation.for_guest:
        subject = f"You are invited to the project {invitation.project_name} on Percus"
        body = render_to_string("backoffice/email/guest_invitation.txt", context)
    else:
        subject = f"You are invited to {invitation.organization.name} on Percus"
        body = render_to_string("backoffice/email/invitation.txt", context)
    email = invitation.user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


def _issue_invitation_token(invitation: Invitation) -> str:
    token = secrets.url_token()
    invitation.token_digest = secrets.digest(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    return token


@transaction.atomic
def invitation_create(
    *, actor: Actor, organization: Organization, email: str, role: Role | str
) -> SentInvitation:
    """Invite a person by e-mail. Someone unknown becomes a ``Pending`` user until they
    accept; someone with an account joins when they follow the link."""
    role = Role(role)
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(actor=actor, email=email, status=User.Status.PENDING)
    elif Membership.objects.filter(
        organization=organization, user=user, deactivated_at__isnull=True
    ).exists():
        raise Conflict("This person is already a member.", errors={"email": ["Already a member."]})
    invitation = Invitation(organization=organization, user=user, role=role, invited_by=actor.user)
    token = _issue_invitation_token(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise Conflict(
            "An invitation for this person is open; resend it instead.",
            errors={"email": ["Already invited."]},
        ) from None
    record_event(
        event_type=EventType.USER_INVITED,
        actor=actor,
        organization=organization,
        targets=[target(user), target(invitation)],
        changes={"role": {"before": None, "after": role}},
    )
    link = _invitation_link(token)
    _send_invitation(invitation, link)
    return SentInvitation(invitation=invitation, link=link)


@transaction.atomic
def guest_invitation_send(
    *,
    actor: Actor,
    organization: Organization,
    project_id: UUID,
    project_name: str,
    user: User,
    role: Role | str,
) -> SentInvitation:
    """Invite ``user`` as a guest of one project of ``organization``: an e-mail with a
    single-use link, as for organization invitations. If they already have an open
    invitation to this project, it gets a fresh link, expiry and role (the old link dies),
    so inviting again is always possible and answers the same way. The caller
    (``collaboration.services.guest_invite``) decides who may be invited with which role;
    the grant is given on acceptance."""
    role = Role(role)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(project_id=project_id, user=user, accepted_at=None, revoked_at=None)
        .first()
    )
    before = None if invitation is None else invitation.role
    if invitation is None:
        invitation = Invitation(
            organization=organization,
            user=user,
            role=role,
            project_id=project_id,
            project_name=project_name,
            invited_by=actor.user,
        )
        token = _issue_invitation_token(invitation)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:  # the same invitation, sent at the same moment
            raise Conflict("This person is being invited right now; try again.") from None
    else:
        token = _issue_invitation_token(invitation)
        invitation.sent_count += 1
        invitation.role, invitation.project_name = role, project_name
        invitation.invited_by = actor.user
        invitation.save(
            update_fields=[
                "token_digest",
                "expires_at",
                "sent_count",
                "role",
                "project_name",
                "invited_by",
                "updated_at",
            ]
        )
    record_event(
        event_type=EventType.GUEST_INVITED if before is None else EventType.GUEST_INVITATION_RESENT,
        actor=actor,
        organization=organization,
        project_id=project_id,
        targets=[target(user), target(invitation)],
        changes={"role": {"before": before, "after": role}},
    )
    link = _invitation_link(token)
    _send_invitation(invitation, link)
    return SentInvitation(invitation=invitation, link=link)


def _lock_open_invitation(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was accepted.")
    if invitation.revoked_at is not None:
        raise Conflict("This invitation was revoked.")
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Actor, invitation: Invitation) -> SentInvitation:
    """Send a fresh link with a fresh expiry; the previous link stops working."""
    invitation = _lock_open_invitation(invitation)
    token = _issue_invitation_token(invitation)
    invitation.sent_count += 1
    invitation.save(update_fields=["token_digest", "expires_at", "sent_count", "updated_at"])
    record_event(
        event_type=EventType.INVITATION_RESENT,
        actor=actor,
        organization=invitation.organization,
        targets=[target(invitation.user), target(invitation)],
    )
    link = _invitation_link(token)
    _send_invitation(invitation, link)
    return SentInvitation(invitation=invitation, link=link)


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    invitation = _lock_open_invitation(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    record_event(
        event_type=EventType.INVITATION_REVOKED,
        actor=actor,
        organization=invitation.organization,
        project_id=invitation.project_id,  # a guest invitation shows in the project's history
        targets=[target(invitation.user), target(invitation)],
    )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The open, unexpired invitation behind a link, or NotFound."""
    invitation = (
        Invitation.objects.select_related("organization", "user")
        .filter(token_digest=secrets.digest(token), accepted_at=None, revoked_at=None)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        raise NotFound("This invitation link is not valid any more.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str | None = None, display_name: str = ""
) -> Membership | None:
    """Accept by the single-use link. A ``Pending`` user sets a password and becomes
    ``Active``; the membership is created (or reactivated) with the invited role. A guest
    invitation gives its project grant instead (``project_invitation_accepted``; no
    membership, and None is returned)."""
    invitation = _lock_open_invitation(invitation_for_token(token))
    user = invitation.user
    membership = None
    if not invitation.for_guest:
        membership = (
            Membership.objects.select_for_update()
            .filter(organization=invitation.organization, user=user)
            .first()
        )
    if membership is not None and membership.is_active:
        # Reactivated since the invitation was sent: their current role stands (accepting
        # must not demote anyone, least of all the last OrganizationAdmin).
        raise Conflict("You are already a member of this organization.")
    user_changes = {}
    if user.status == User.Status.PENDING:
        if not password:
            raise InvalidRequest.for_field("password", "Choose a password.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise InvalidRequest(
                "The password is too weak.", errors={"password": list(error.messages)}
            ) from None
        user.set_password(password)
        user.status = User.Status.ACTIVE
        user.display_name = display_name.strip() or user.display_name
        user.save(update_fields=["password", "status", "display_name"])
    elif user.status == User.Status.DEACTIVATED:
        # Deactivated for having lost their last organization: joining one brings them back,
        # as reactivating a membership does.
        user.status = User.Status.ACTIVE
        user.save(update_fields=["status"])
        user_changes = {"status": {"before": User.Status.DEACTIVATED, "after": user.status}}
    elif not user.is_active:
        raise Conflict("This account is not active.")
    if invitation.for_guest:
        # The app that owns project grants gives it (collaboration); nobody listening would
        # accept an invitation without its grant.
        if not project_invitation_accepted.send(
            sender=Invitation, invitation=invitation, user=user
        ):
            raise Conflict("This invitation can't be accepted here.")
    elif membership is None:
        membership = Membership.objects.create(
            organization=invitation.organization, user=user, role=invitation.role
        )
    else:
        membership.role = invitation.role
        membership.deactivated_at = None
        membership.save(update_fields=["role", "deactivated_at", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    record_event(
        event_type=EventType.INVITATION_ACCEPTED,
        actor=Actor.for_user(user),
        organization=invitation.organization,
        project_id=invitation.project_id,
        targets=[target(user), target(invitation)],
        changes={"role": {"before": None, "after": invitation.role}, **user_changes},
    )
    forget_roles(user)
    return membership
