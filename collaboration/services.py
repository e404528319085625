"""State changes of collaboration: comments, project members, user groups, guests and
visibility. One transaction each, with its audit event; the actor is always explicit."""

import re

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from backoffice.actors import Actor
from backoffice.audit import record_event, target
from backoffice.errors import Conflict, DomainError, InvalidRequest, NotFound
from backoffice.events import EventType
from backoffice.models import Invitation, Membership, Organization, User
from backoffice.roles import GUEST_ROLE_CAP, Perm, Role, role_allows
from backoffice.services import guest_invitation_send, user_create
from projects.models import Project, is_guest
from projects.services import project_grant_remove, project_grant_set

from .models import MAX_MESSAGE_LENGTH, Comment, UserGroup
from .selectors import direct_role, group_role

#: ``@ana@banco.cl``: an e-mail right after an ``@`` that does not continue a word.
MENTION = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
MAX_MENTIONS = 50


class Forbidden(DomainError):
    status = 403
    code = "insufficient_role"
    title = "Forbidden"


def _project_event(
    event_type: str, actor: Actor, project: Project, *, targets=(), changes=None
) -> None:
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(project), *targets],
        changes=changes,
    )


# Comments -------------------------------------------------------------------------------


def _clean_message(message: str) -> str:
    message = message.strip()
    if not message:
        raise InvalidRequest.for_field("message", "The message is required.")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise InvalidRequest.for_field("message", f"At most {MAX_MESSAGE_LENGTH} characters.")
    return message


def mentioned_users(project: Project, message: str, author: User | None = None) -> list[User]:
    """Users named as ``@email`` who can see the project. Anyone else is ignored silently,
    so a mention never tells the author whether an address exists. A guest's mentions name
    nobody: the comment would show them which address is whose (SPEC §16)."""
    emails = {match.rstrip(".").lower() for match in MENTION.findall(message)}
    if not emails or (author is not None and is_guest(author, project)):
        return []
    candidates = User.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=list(emails)[:MAX_MENTIONS]
    )
    return [user for user in candidates if project.role_for(user) is not None]


@transaction.atomic
def comment_create(*, actor: Actor, project: Project, message: str) -> Comment:
    """Comment on a project; archived projects take comments too."""
    message = _clean_message(message)
    comment = Comment.objects.create(project=project, author=actor.user, message=message)
    mentions = mentioned_users(project, message, actor.user)
    comment.mentioned_users.set(mentions)
    _project_event(
        EventType.COMMENT_ADDED,
        actor,
        project,
        targets=[target(comment, label=f"comment {comment.pk}")],
        changes={"message": {"before": None, "after": message}},
    )
    return comment


@transaction.atomic
def comment_edit(*, actor: Actor, comment: Comment, message: str) -> Comment:
    """Only the author edits a comment; mentions are read again from the new text."""
    comment = (
        Comment.objects.select_for_update()
        .select_related("project__organization")
        .get(pk=comment.pk)
    )
    if actor.user is None or comment.author_id != actor.user.pk:
        raise Forbidden("Only the author edits a comment.")
    message = _clean_message(message)
    before = comment.message
    if message == before:
        return comment
    comment.message = message
    comment.edited = True
    comment.save(update_fields=["message", "edited", "updated_at"])
    comment.mentioned_users.set(mentioned_users(comment.project, message, comment.author))
    _project_event(
        EventType.COMMENT_EDITED,
        actor,
        comment.project,
        targets=[target(comment, label=f"comment {comment.pk}")],
        changes={"message": {"before": before, "after": message}},
    )
    return comment


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    """The author, or whoever moderates comments on the project (OrganizationAdmin)."""
    if user is None:
        return False
    if comment.author_id == user.pk:
        return True
    return role_allows(comment.project.role_for(user), Perm.MODERATE_COMMENTS)


@transaction.atomic
def comment_delete(*, actor: Actor, comment: Comment) -> None:
    if not can_delete_comment(actor.user, comment):
        raise Forbidden("Only the author or an organization admin deletes a comment.")
    project = comment.project
    _project_event(
        EventType.COMMENT_DELETED,
        actor,
        project,
        targets=[target(comment, label=f"comment {comment.pk}")],
        changes={"message": {"before": comment.message, "after": None}},
    )
    comment.delete()


# Members (direct grants) ----------------------------------------------------------------


@transaction.atomic
def member_set(*, actor: Actor, project: Project, user: User, role: Role | str) -> Role:
    """Add the user to the project with this role, or change their role there."""
    role = Role(role)
    if direct_role(project, user) == role:
        raise InvalidRequest.for_field("role", f"Already a member with the role {role}.")
    project_grant_set(actor=actor, project=project, user=user, role=role)
    return role


@transaction.atomic
def member_remove(*, actor: Actor, project: Project, user: User) -> None:
    if direct_role(project, user) is None:
        raise InvalidRequest("This user is not a member of the project.")
    project_grant_remove(actor=actor, project=project, user=user)


# User groups ----------------------------------------------------------------------------


def _clean_group_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidRequest.for_field("name", "The name is required.")
    return name


def _org_event(event_type: str, actor: Actor, group: UserGroup, *, targets=(), changes=None):
    record_event(
        event_type=event_type,
        actor=actor,
        organization=group.organization,
        targets=[target(group), *targets],
        changes=changes,
    )


def _name_taken(name: str) -> Conflict:
    return Conflict("A group with this name exists.", errors={"name": ["This name is taken."]})


def check_group_name(organization_id, name: str, *, user_group: UserGroup | None = None) -> str:
    """The name trimmed, or the refusal of create and rename: required, and not another
    group's of the organization (in any case). The admin's form asks it too."""
    name = _clean_group_name(name)
    clash = UserGroup.objects.filter(organization_id=organization_id, name__iexact=name)
    if user_group is not None and user_group.pk:
        clash = clash.exclude(pk=user_group.pk)
    if clash.exists():
        raise _name_taken(name)
    return name


@transaction.atomic
def user_group_create(*, actor: Actor, organization: Organization, name: str) -> UserGroup:
    name = check_group_name(organization.pk, name)
    # The auth group's name is global and never shown: the user group's own id keeps it unique.
    user_group = UserGroup(organization=organization, name=name)
    user_group.group = Group.objects.create(name=f"usergroup:{user_group.pk}")
    try:
        with transaction.atomic():
            user_group.save()
    except IntegrityError:
        raise _name_taken(name) from None
    _org_event(
        EventType.USER_GROUP_CREATED,
        actor,
        user_group,
        changes={"name": {"before": None, "after": name}},
    )
    return user_group


@transaction.atomic
def user_group_rename(*, actor: Actor, user_group: UserGroup, name: str) -> UserGroup:
    name = _clean_group_name(name)
    user_group = UserGroup.objects.select_for_update().get(pk=user_group.pk)
    before = user_group.name
    if name == before:
        return user_group
    clash = UserGroup.objects.filter(organization_id=user_group.organization_id, name__iexact=name)
    if clash.exclude(pk=user_group.pk).exists():
        raise _name_taken(name)
    user_group.name = name
    try:
        with transaction.atomic():
            user_group.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise _name_taken(name) from None
    _org_event(
        EventType.USER_GROUP_RENAMED,
        actor,
        user_group,
        changes={"name": {"before": before, "after": name}},
    )
    return user_group


@transaction.atomic
def user_group_delete(*, actor: Actor, user_group: UserGroup) -> None:
    """Delete the group; its project grants go with it."""
    _org_event(
        EventType.USER_GROUP_DELETED,
        actor,
        user_group,
        changes={"name": {"before": user_group.name, "after": None}},
    )
    user_group.group.delete()  # cascades to the user group and the group's grants


@transaction.atomic
def user_group_add_member(*, actor: Actor, user_group: UserGroup, user: User) -> UserGroup:
    """Only active members of the group's organization can join it."""
    is_member = Membership.objects.filter(
        organization_id=user_group.organization_id, user=user, deactivated_at__isnull=True
    ).exists()
    if not is_member:
        raise InvalidRequest.for_field("userId", "Only members of the organization can join.")
    if user_group.group.user_set.filter(pk=user.pk).exists():
        raise InvalidRequest.for_field("userId", "Already in this group.")
    user_group.group.user_set.add(user)
    _org_event(EventType.USER_GROUP_MEMBER_ADDED, actor, user_group, targets=[target(user)])
    return user_group


@transaction.atomic
def user_group_remove_member(*, actor: Actor, user_group: UserGroup, user: User) -> UserGroup:
    if not user_group.group.user_set.filter(pk=user.pk).exists():
        raise InvalidRequest.for_field("userId", "Not in this group.")
    user_group.group.user_set.remove(user)
    _org_event(EventType.USER_GROUP_MEMBER_REMOVED, actor, user_group, targets=[target(user)])
    return user_group


@transaction.atomic
def project_group_link(
    *, actor: Actor, project: Project, user_group: UserGroup, role: Role | str
) -> Role:
    """Grant the group a role on a project of its organization (or change it)."""
    role = Role(role)
    if user_group.organization_id != project.organization_id:
        raise InvalidRequest.for_field("groupId", "The group belongs to another organization.")
    if group_role(project, user_group.group) == role:
        raise InvalidRequest.for_field("role", f"Already linked with the role {role}.")
    project_grant_set(actor=actor, project=project, group=user_group.group, role=role)
    return role


@transaction.atomic
def project_group_unlink(*, actor: Actor, project: Project, user_group: UserGroup) -> None:
    if group_role(project, user_group.group) is None:
        raise InvalidRequest("This group is not linked to the project.")
    project_grant_remove(actor=actor, project=project, group=user_group.group)


# Guests ---------------------------------------------------------------------------------


@transaction.atomic
def guest_invite(
    *, actor: Actor, project: Project, email: str, role: Role | str = Role.VIEWER
) -> Invitation:
    """Invite a person to this one project as a guest (SPEC §16): always an e-mail with a
    single-use link (``backoffice.services.guest_invitation_send``); the grant of ``role``
    (at most ``GUEST_ROLE_CAP``) is given when they accept, never a membership. An unknown
    e-mail becomes a ``Pending`` user, who chooses a password on accepting. Whether the
    e-mail had an account changes nothing in the answer; inviting someone again sends a
    fresh link."""
    role = Role(role)
    if role.rank > GUEST_ROLE_CAP.rank:
        raise InvalidRequest.for_field("role", f"A guest is granted at most {GUEST_ROLE_CAP}.")
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(actor=actor, email=email, status=User.Status.PENDING)
    elif user.is_active and project.role_for(user) is not None:
        # Only people the inviter already sees in the project's all-users get this answer.
        raise InvalidRequest.for_field("email", "This person already has access to the project.")
    elif Membership.objects.filter(
        user=user, organization_id=project.organization_id, deactivated_at__isnull=False
    ).exists():
        # A deactivated member's grants here count for nothing: reactivating them is the
        # organization admin's decision (the organization's members list shows them).
        raise InvalidRequest.for_field(
            "email", "This person's membership here is deactivated; an admin reactivates it."
        )
    sent = guest_invitation_send(
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        project_name=project.name,
        user=user,
        role=role,
    )
    return sent.invitation


def guest_grant_on_acceptance(sender, *, invitation: Invitation, user: User, **kwargs) -> None:
    """Give the grant of an accepted guest invitation (``project_invitation_accepted``), in
    the acceptance's transaction. A higher grant they hold already stays."""
    project = (
        Project.objects.live()
        .select_related("organization")
        .filter(pk=invitation.project_id, organization_id=invitation.organization_id)
        .first()
    )
    if project is None:
        raise NotFound("The project of this invitation no longer exists.")
    held = direct_role(project, user)
    if held is not None and held.rank >= Role(invitation.role).rank:
        return
    project_grant_set(actor=Actor.for_user(user), project=project, user=user, role=invitation.role)
