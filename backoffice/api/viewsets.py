"""The base of every API viewset: the queryset is always scoped to what the caller may see,
and every request is checked against the role it needs (``Perm``), from the database.

Subclasses extend ``scoped_queryset()`` and name the object that governs the role of a
request (``permission_scope()``); they never replace ``get_queryset()``. Invisible objects
are 404, exactly like missing ones; a visible object with a forbidden action is 403.
"""

from rest_framework import exceptions, viewsets

from ..permissions import RoleScoped, role_in
from ..roles import Perm, role_allows
from .active_org import check_forwarded_role, check_request_organization
from .exceptions import InsufficientRole
from .paths import UUID


class ScopedViewSet(viewsets.GenericViewSet):
    #: The permission each action needs; actions not named need ``default_perm``.
    action_perms: dict[str, Perm] = {}
    default_perm: Perm = Perm.VIEW
    #: The ``{id}`` of a detail route admits a UUID only (``backoffice/api/paths.py``).
    lookup_value_regex = UUID

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # The permission scope's organization was checked with the permissions; one named by
        # header or ``?organizationId=`` is checked here, whatever the endpoint.
        check_request_organization(request)

    # What the caller may see -------------------------------------------------------------

    def scoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return (
                self.queryset
            )  # schema generation: subclasses set ``queryset = M.objects.none()``
        return self.scoped_queryset()

    def permission_scope(self) -> RoleScoped | None:
        """The organization or project whose role governs this request, if any."""
        return None

    # What the caller may do --------------------------------------------------------------

    def required_perm(self) -> Perm:
        return self.action_perms.get(self.action, self.default_perm)

    def check_permissions(self, request) -> None:
        super().check_permissions(request)
        scope = self.permission_scope()
        if scope is not None:
            self.check_role(scope)

    def check_object_permissions(self, request, obj) -> None:
        super().check_object_permissions(request, obj)
        if hasattr(obj, "role_for"):
            self.check_role(obj)

    def check_role(self, target: RoleScoped) -> None:
        role = role_in(self.request.user, target)
        if role is None:
            raise exceptions.NotFound()
        # A forwarded role that disagrees refuses the request whatever the action needs.
        check_forwarded_role(self.request, getattr(target, "organization", target))
        if not role_allows(role, self.required_perm()):
            raise InsufficientRole()
