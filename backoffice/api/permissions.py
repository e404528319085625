"""DRF permission classes shared by every endpoint."""

from rest_framework import exceptions, permissions

from ..models import ApiToken


class IsAuthenticated(permissions.IsAuthenticated):
    pass


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = "This token's scope is read; the request needs write."
    default_code = "insufficient_scope"


class TokenScope(permissions.BasePermission):
    """A ``read`` token may only read."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if (
            isinstance(token, ApiToken)
            and token.scope == ApiToken.Scope.READ
            and request.method not in permissions.SAFE_METHODS
        ):
            raise InsufficientScope()
        return True
