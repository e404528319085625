"""Roles and what they allow, defined once.

Endpoints declare the permission they need (``Perm``); only this table says which role holds
it. An effective role on a project is the highest of the organization role and any project
grant, so roles are ordered.
"""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    """Organization roles, lowest to highest. Also the roles a project grant can give."""

    VIEWER = "Viewer"
    DEVELOPER = "Developer"
    PROJECT_MANAGER = "ProjectManager"
    ORGANIZATION_ADMIN = "OrganizationAdmin"

    @property
    def rank(self) -> int:
        return ROLE_ORDER.index(self)

    @classmethod
    def highest(cls, *roles: "Role | str | None") -> "Role | None":
        present = [cls(role) for role in roles if role]
        return max(present, key=lambda role: role.rank, default=None)


ROLE_ORDER = [Role.VIEWER, Role.DEVELOPER, Role.PROJECT_MANAGER, Role.ORGANIZATION_ADMIN]

#: The most a guest (someone with no membership in a project's organization) holds on that
#: project, whatever their grants say (SPEC §16): view, comment, upload templates. So a guest
#: never manages members, guests, groups, shares, credentials, visibility or sub-projects,
#: and never publishes.
GUEST_ROLE_CAP = Role.DEVELOPER


def as_guest(role: "Role | str | None") -> Role | None:
    """The role a guest holds through a grant of ``role``: at most ``GUEST_ROLE_CAP``."""
    if not role:
        return None
    role = Role(role)
    return role if role.rank <= GUEST_ROLE_CAP.rank else GUEST_ROLE_CAP


class Perm(StrEnum):
    """Actions an endpoint can require."""

    VIEW = "view"
    COMMENT = "comment"
    UPLOAD_TEMPLATES = "upload_templates"
    DELETE_TEMPLATES = "delete_templates"
    EDIT_PROJECTS = "edit_projects"
    PUBLISH_CHANNELS = "publish_channels"
    MANAGE_SHARES = "manage_shares"
    MANAGE_CREDENTIALS = "manage_credentials"
    MANAGE_PROJECT_MEMBERS = "manage_project_members"
    ADMINISTER_PROJECTS = "administer_projects"  # archive, trash, restore, delete
    MANAGE_ORGANIZATION = "manage_organization"  # invite, change roles, deactivate, settings
    MODERATE_COMMENTS = "moderate_comments"  # delete anyone's comment


_VIEWER = {Perm.VIEW, Perm.COMMENT}
_DEVELOPER = _VIEWER | {Perm.UPLOAD_TEMPLATES}
_PROJECT_MANAGER = _DEVELOPER | {
    Perm.EDIT_PROJECTS,
    Perm.DELETE_TEMPLATES,
    Perm.PUBLISH_CHANNELS,
    Perm.MANAGE_SHARES,
    Perm.MANAGE_CREDENTIALS,
    Perm.MANAGE_PROJECT_MEMBERS,
}
_ORGANIZATION_ADMIN = _PROJECT_MANAGER | {
    Perm.ADMINISTER_PROJECTS,
    Perm.MANAGE_ORGANIZATION,
    Perm.MODERATE_COMMENTS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.DEVELOPER: frozenset(_DEVELOPER),
    Role.PROJECT_MANAGER: frozenset(_PROJECT_MANAGER),
    Role.ORGANIZATION_ADMIN: frozenset(_ORGANIZATION_ADMIN),
}


def role_allows(role: Role | None, perm: Perm) -> bool:
    return role is not None and perm in ROLE_PERMISSIONS[role]


def least_role_for(perm: Perm) -> Role:
    """The lowest role that allows ``perm`` (roles are ordered, each allows what the ones
    below it do)."""
    return next(role for role in ROLE_ORDER if perm in ROLE_PERMISSIONS[role])
