"""API exceptions beyond DRF's own, each with its stable ``code``."""

from rest_framework import exceptions, status


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class RoleMismatch(exceptions.PermissionDenied):
    default_detail = "The forwarded organization role does not match the stored role."
    default_code = "role_mismatch"


class InsufficientRole(exceptions.PermissionDenied):
    default_detail = "Your role does not allow this action."
    default_code = "insufficient_role"


class OrganizationForbidden(exceptions.PermissionDenied):
    default_detail = "You are not a member of this organization."
    default_code = "insufficient_role"
