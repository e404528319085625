"""The active organization of a request, and the check of the gateway's forwarded role.

The active organization comes from ``X-Percus-Forwarded-Active-Org`` or ``?organizationId=``;
a user in exactly one organization needs neither. The role always comes from the database:
a forwarded ``X-Percus-Forwarded-Org-Role`` that disagrees with it refuses the request.
"""

from uuid import UUID

from rest_framework.exceptions import ValidationError

from ..models import Organization
from ..permissions import active_org_roles, org_role
from .exceptions import OrganizationForbidden, RoleMismatch

ACTIVE_ORG_HEADER = "HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG"
ORG_ROLE_HEADER = "HTTP_X_PERCUS_FORWARDED_ORG_ROLE"
OWNER_ROLE = "Owner"


def _requested_org_id(request) -> UUID | None:
    """The organization id the request names. ``?organizationId=`` with no value is not an
    id (400), as the schema says (``format: uuid``); an empty header counts as absent."""
    raw = request.META.get(ACTIVE_ORG_HEADER) or request.query_params.get("organizationId")
    if not raw and "organizationId" not in request.query_params:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ValidationError({"organizationId": ["Must be an organization id (UUID)."]}) from None


def active_organization(request, *, required: bool = True) -> Organization | None:
    """The organization the request acts in; 403 if the user is not a member of it."""
    if hasattr(request, "_active_organization"):
        return request._active_organization
    user = request.user
    org_id = _requested_org_id(request)
    if org_id is None:
        memberships = active_org_roles(user)
        if len(memberships) == 1 and not user.is_owner:
            org_id = next(iter(memberships))
        elif required:
            raise ValidationError(
                {"organizationId": ["Name the organization: you belong to several."]}
            )
        else:
            return None
    organization = Organization.objects.filter(pk=org_id).first()
    if organization is None or org_role(user, organization) is None:
        raise OrganizationForbidden()
    check_forwarded_role(request, organization)
    request._active_organization = organization
    return organization


def check_request_organization(request) -> None:
    """Check what a request says about its organization even where the endpoint needs none:
    naming one the caller is not in is 403, a forwarded role that disagrees is 403
    ``role_mismatch``, a malformed id is 400."""
    if not request.user.is_authenticated:
        return
    meta = request.META
    if (
        meta.get(ACTIVE_ORG_HEADER)
        or "organizationId" in request.query_params
        or (ORG_ROLE_HEADER in meta)
    ):
        active_organization(request, required=False)


def check_forwarded_role(request, organization: Organization) -> None:
    forwarded = request.META.get(ORG_ROLE_HEADER)
    if forwarded is None:
        return
    user = request.user
    if user.is_owner and forwarded == OWNER_ROLE:
        return
    if user.is_owner or forwarded != org_role(user, organization):
        raise RoleMismatch()
