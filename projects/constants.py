"""Enumerations and limits of projects."""

from django.db import models

from backoffice.roles import Role


class Status(models.TextChoices):
    DRAFT = "Draft"
    ACTIVE = "Active"
    ARCHIVED = "Archived"


class Visibility(models.TextChoices):
    ORGANIZATION = "Organization"  # every member of the organization sees it
    PRIVATE = "Private"  # only OrganizationAdmins, the creator, and users with a grant


class Ownership(models.TextChoices):
    INTERNAL = "Internal"
    EXTERNAL = "External"  # the caller sees it as a guest from another organization


#: Allowed lifecycle moves; anything else is ``invalid_transition``.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.ACTIVE, Status.ARCHIVED},
    Status.ACTIVE: {Status.ARCHIVED},
    Status.ARCHIVED: set(),
}

#: Roles a project grant can give. Organization administration is never granted per project.
GRANTABLE_ROLES = (Role.VIEWER, Role.DEVELOPER, Role.PROJECT_MANAGER)


def grant_codename(role: Role | str) -> str:
    return f"role_{Role(role).value.lower()}"


ROLE_BY_CODENAME = {grant_codename(role): role for role in GRANTABLE_ROLES}

MAX_TAGS = 30
MAX_TAG_LENGTH = 50
