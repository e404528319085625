"""Reads of collaboration: who is on a project, and why.

``project_audience`` answers "everyone who can see this project, and why" in a constant number
of queries (memberships of the organization, direct grants, group grants), applying the same
rule as ``Project.role_for`` (``projects.access``).
"""

from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.auth.models import Group
from django.db.models import BooleanField, Case, Exists, OuterRef, QuerySet, Value, When

from backoffice.models import Membership, User
from backoffice.roles import Role
from projects.access import audience_role
from projects.constants import ROLE_BY_CODENAME
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission

from .models import Comment, UserGroup


def _role(codenames) -> Role | None:
    return Role.highest(*(ROLE_BY_CODENAME.get(code) for code in codenames))


def direct_role(project: Project, user: User) -> Role | None:
    """The role of the user's own grant on the project (not through groups)."""
    rows = ProjectUserObjectPermission.objects.filter(content_object=project, user=user)
    return _role(rows.values_list("permission__codename", flat=True))


def group_role(project: Project, group: Group) -> Role | None:
    rows = ProjectGroupObjectPermission.objects.filter(content_object=project, group=group)
    return _role(rows.values_list("permission__codename", flat=True))


def project_comments(project: Project) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(project=project)
        .select_related("author")
        .prefetch_related("mentioned_users")
    )


def project_members(project: Project) -> QuerySet[ProjectUserObjectPermission]:
    """The direct grants of a project, one row per user, with ``is_guest`` (no membership
    in the project's organization)."""
    memberships = Membership.objects.filter(
        user=OuterRef("user_id"), organization_id=project.organization_id
    )
    return (
        ProjectUserObjectPermission.objects.filter(content_object=project)
        .select_related("user", "permission")
        .annotate(
            is_guest=~Exists(memberships),
            is_creator=Case(
                When(user_id=project.created_by_id, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("user__email")
    )


def project_group_links(project: Project) -> QuerySet[ProjectGroupObjectPermission]:
    return (
        ProjectGroupObjectPermission.objects.filter(
            content_object=project, group__user_group__isnull=False
        )
        .select_related("group__user_group", "permission")
        .order_by("group__user_group__name")
    )


@dataclass
class AudienceEntry:
    user: User
    role: Role | None = None
    organization_role: Role | None = None
    reasons: list[dict] = field(default_factory=list)


def project_audience(project: Project) -> list[AudienceEntry]:
    """Every active user who sees the project, with the reasons and the effective role.
    Four queries whatever the size: memberships, direct grants, group grants, their users."""
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(organization_id=project.organization_id)
        .select_related("user")
        .order_by()
    }
    deactivated = {uid for uid, m in memberships.items() if not m.is_active}
    entries: dict[UUID, AudienceEntry] = {}
    grants: dict[UUID, list[dict]] = {}
    users: dict[UUID, User] = {uid: m.user for uid, m in memberships.items()}

    for grant in ProjectUserObjectPermission.objects.filter(content_object=project).select_related(
        "user", "permission"
    ):
        role = ROLE_BY_CODENAME.get(grant.permission.codename)
        if role is None or grant.user_id in deactivated:
            continue
        users[grant.user_id] = grant.user
        grants.setdefault(grant.user_id, []).append({"kind": "grant", "role": role})

    group_rows = list(
        ProjectGroupObjectPermission.objects.filter(content_object=project)
        .select_related("group__user_group", "permission")
        .order_by()
    )
    by_group = {row.group_id: row for row in group_rows}
    if by_group:
        through = User.groups.through.objects.filter(group_id__in=list(by_group)).select_related(
            "user"
        )
        for link in through:
            row = by_group[link.group_id]
            role = ROLE_BY_CODENAME.get(row.permission.codename)
            if role is None or link.user_id in deactivated:
                continue
            users.setdefault(link.user_id, link.user)
            user_group = getattr(row.group, "user_group", None)
            grants.setdefault(link.user_id, []).append(
                {
                    "kind": "group",
                    "role": role,
                    "groupId": str(user_group.pk) if user_group else None,
                    "groupName": user_group.name if user_group else row.group.name,
                }
            )

    for user_id, user in users.items():
        if not user.is_active:
            continue
        membership = memberships.get(user_id)
        org_role = Role(membership.role) if membership and membership.is_active else None
        granted = grants.get(user_id, [])
        role = audience_role(
            organization_role=org_role,
            grant_roles=[g["role"] for g in granted],
            project=project,
            user_id=user_id,
        )
        if role is None:
            continue
        reasons = [{"kind": "organization", "role": org_role}] if org_role else []
        reasons.extend(granted)
        if user_id == project.created_by_id:
            reasons.append({"kind": "creator"})
        entries[user_id] = AudienceEntry(
            user=user, role=role, organization_role=org_role, reasons=reasons
        )
    return sorted(entries.values(), key=lambda entry: entry.user.email.lower())


def organization_user_groups(organization_id) -> QuerySet[UserGroup]:
    return (
        UserGroup.objects.filter(organization_id=organization_id)
        .prefetch_related("group__user_set")
        .order_by("name")
    )
