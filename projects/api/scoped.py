"""A base for endpoints nested under one project (``/api/Projects/{projectId}/…``).

The project in the path is addressed by id or slug, exactly like ``/api/Projects/{id}``: only
live projects the caller sees are found, anything else is a 404. The project is the
permission scope, so the caller's role on it (organization role or grant) governs the action.
"""

from functools import cached_property
from uuid import UUID

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError

from backoffice.api.identity_serializers import AS_GUEST
from backoffice.api.paths import ID_OR_SLUG
from backoffice.api.viewsets import ScopedViewSet
from backoffice.models import User
from backoffice.permissions import active_org_roles, is_credential

from ..models import Project

#: The prefix of the routes nested under one project, addressed by id or slug.
PROJECT_PREFIX = f"Projects/(?P<projectId>{ID_OR_SLUG})"


def find_visible_project(user: User, lookup: str) -> Project:
    """The live project with this id or slug that the user sees; 404 otherwise, 400 when a
    slug is ambiguous across the caller's organizations."""
    return one_by_id_or_slug(
        Project.objects.live().visible_to(user).select_related("organization"), lookup
    )


def one_by_id_or_slug(projects: QuerySet[Project], lookup: str) -> Project:
    """The one project of ``projects`` with this id or slug (404 / 400 as above)."""
    try:
        matches = projects.filter(pk=UUID(lookup))
    except ValueError:
        matches = projects.filter(slug=lookup)
    found = list(matches[:2])
    if not found:
        raise NotFound()
    if len(found) > 1:
        raise ValidationError(
            {"organizationId": ["This slug exists in several organizations: name one."]}
        )
    return found[0]


def caller_is_guest(user: User, project: Project) -> bool:
    """The caller reaches the project only through a grant (no active membership in its
    organization): they see its people as ``{id, displayName}``, never their e-mails
    (SPEC §16). The Owner and API credentials are never guests."""
    if not user.is_authenticated or user.is_owner or is_credential(user):
        return False
    return project.organization_id not in active_org_roles(user)


def guest_context(request, project: Project) -> dict:
    """The serializer context of data of ``project`` shown to ``request``'s caller (the
    detail's sections of other apps use it)."""
    return {AS_GUEST: caller_is_guest(request.user, project)}


class ProjectScopedViewSet(ScopedViewSet):
    """Subclasses scope their queryset with ``self.project``, the ``projectId`` of
    ``PROJECT_PREFIX``."""

    @cached_property
    def project(self) -> Project:
        return find_visible_project(self.request.user, self.kwargs["projectId"])

    def permission_scope(self) -> Project:
        return self.project

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):  # the schema has no project
            context[AS_GUEST] = caller_is_guest(self.request.user, self.project)
        return context
