"""The one place that answers "what is this user's role here?".

A target is an ``Organization`` or any object with ``role_for(user)`` (projects add
per-project grants on top of the organization role). Roles are computed from the database,
never from the request; memberships are loaded once per user object.
"""

from typing import Protocol
from uuid import UUID

from .models import Membership, Organization, User
from .roles import Perm, Role, role_allows


class RoleScoped(Protocol):
    def role_for(self, user: User) -> Role | None: ...


def is_credential(user) -> bool:
    """An API credential authenticated the request (``credentials.authentication``): it is no
    member of any organization and reads only its own project (``Project.role_for``)."""
    return getattr(user, "is_credential", False)


def active_org_roles(user: User) -> dict[UUID, Role]:
    """The user's role in each organization where their membership is active (cached)."""
    if is_credential(user):
        return {}
    cached = getattr(user, "_active_org_roles", None)
    if cached is None:
        rows = (
            Membership.objects.filter(user=user, deactivated_at__isnull=True)
            .order_by()
            .values_list("organization_id", "role")
        )
        cached = {org_id: Role(role) for org_id, role in rows}
        user._active_org_roles = cached
    return cached


def forget_roles(user: User) -> None:
    user.__dict__.pop("_active_org_roles", None)


def org_role(user: User, organization: Organization | UUID) -> Role | None:
    if not user.is_authenticated or not user.is_active or is_credential(user):
        return None
    if user.is_owner:
        return Role.ORGANIZATION_ADMIN
    org_id = organization.pk if isinstance(organization, Organization) else organization
    return active_org_roles(user).get(org_id)


def role_in(user: User, target: RoleScoped) -> Role | None:
    return target.role_for(user)


def has_perm(user: User, perm: Perm, target: RoleScoped) -> bool:
    return role_allows(role_in(user, target), perm)
