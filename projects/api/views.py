"""The project endpoints of SPEC §4."""

from functools import cached_property
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.active_org import active_organization
from backoffice.api.paths import ID_OR_SLUG
from backoffice.api.viewsets import ScopedViewSet
from backoffice.roles import Perm

from .. import services
from ..access import delete_perm
from ..filters import ProjectFilterSet
from ..models import Project
from ..querysets import fill_annotations
from .extras import TRASHED_PARAM, ProjectExtrasMixin
from .scoped import one_by_id_or_slug
from .serializers import (
    ProjectDetailSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ProjectWriteSerializer,
)

ORGANIZATION_PARAM = OpenApiParameter(
    "organizationId",
    UUID,
    description="Only this organization's projects (or the header X-Percus-Forwarded-Active-Org).",
)


#: What a list row reads (``ProjectSerializer``): of the joined rows, only what it shows.
LIST_COLUMNS = (
    *(
        field.name
        for field in Project._meta.concrete_fields
        if field.name not in {"trash_batch", "organization", "created_by"}
    ),
    "organization__default_locale",
    "created_by__email",
    "created_by__display_name",
)


@extend_schema_view(
    list=extend_schema(parameters=[ORGANIZATION_PARAM, TRASHED_PARAM]),
    create=extend_schema(
        parameters=[ORGANIZATION_PARAM],
        request=ProjectWriteSerializer,
        responses={201: ProjectDetailSerializer},
    ),
    retrieve=extend_schema(parameters=[TRASHED_PARAM], responses=ProjectDetailSerializer),
    update=extend_schema(request=ProjectUpdateSerializer, responses=ProjectDetailSerializer),
    partial_update=extend_schema(
        request=ProjectUpdateSerializer, responses=ProjectDetailSerializer
    ),
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectExtrasMixin,
    ScopedViewSet,
):
    """Projects are addressed by id or by slug (``/api/Projects/credito-q2``)."""

    queryset = Project.objects.none()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    lookup_value_regex = ID_OR_SLUG
    action_perms = {
        "create": Perm.EDIT_PROJECTS,
        "update": Perm.EDIT_PROJECTS,
        "partial_update": Perm.EDIT_PROJECTS,
        "activate": Perm.EDIT_PROJECTS,
        "archive": Perm.ADMINISTER_PROJECTS,
        "destroy": Perm.ADMINISTER_PROJECTS,
    }

    def scoped_queryset(self):
        projects = (
            self.lifecycle_queryset()
            .visible_to(self.request.user)
            .select_related("organization", "created_by")
            .with_annotations()
        )
        if self.organization is not None:
            projects = projects.filter(organization=self.organization)
        if self.action == "list":
            projects = projects.only(*LIST_COLUMNS)
        return projects

    @cached_property
    def organization(self):
        """The organization named by header or parameter. Lists without one span every
        project the caller sees, guest grants in other organizations included."""
        if self.request.META.get("HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG") or (
            self.request.query_params.get("organizationId")
        ):
            return active_organization(self.request)
        return None

    def permission_scope(self):
        if self.action == "create":
            return active_organization(self.request)
        return None

    def get_object(self) -> Project:
        project = one_by_id_or_slug(self.get_queryset(), self.kwargs["pk"])
        self.check_object_permissions(self.request, project)
        return project

    def check_role(self, target) -> None:
        # The creator may delete their own project whatever their role (SPEC §4): seeing it
        # is then enough. Only the permission changes; every other check of the base stays.
        self._delete_perm = (
            delete_perm(self.request.user, target)
            if self.action == "destroy" and isinstance(target, Project)
            else None
        )
        super().check_role(target)

    def required_perm(self) -> Perm:
        return getattr(self, "_delete_perm", None) or super().required_perm()

    def get_serializer_class(self):
        if self.action == "list":
            return ProjectSerializer
        return ProjectDetailSerializer

    def _detail(self, project: Project, code: int = status.HTTP_200_OK) -> Response:
        fill_annotations(project)
        return Response(self.get_serializer(project).data, status=code)

    def create(self, request, *args, **kwargs):
        params = ProjectWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        project = services.project_create(
            actor=Actor.for_request(request),
            organization=active_organization(request),
            **params.validated_data,
        )
        return self._detail(project, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """PUT and PATCH alike: only the fields the body names change."""
        project = self.get_object()
        params = ProjectUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        project = services.project_update(
            actor=Actor.for_request(request), project=project, **params.validated_data
        )
        return self._detail(project)

    def destroy(self, request, *args, **kwargs):
        services.project_delete(actor=Actor.for_request(request), project=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        project = services.project_activate(
            actor=Actor.for_request(request), project=self.get_object()
        )
        return self._detail(project)

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        project = services.project_archive(
            actor=Actor.for_request(request), project=self.get_object()
        )
        return self._detail(project)
