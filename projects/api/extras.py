"""The project endpoints of SPEC §10 (hierarchy, trash, thumbnail, stats), mixed into
``ProjectViewSet`` so they share its scoping, its permission checks and its representation.

Trashed projects leave every list and every nested endpoint. They are reached:
- by ``GET /api/Projects?trashed=true`` (the caller's visible trash) and
  ``GET /api/Projects/{id}?trashed=true`` (the detail of a trashed project);
- by ``POST …/restore`` and ``DELETE /api/Projects/{id}``, which find a project whether it is
  in the trash or not (address trashed projects by id: a slug may have been taken since).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.exceptions import InsufficientRole
from backoffice.api.multipart import CompleteMultiPartParser
from backoffice.api.parsers import BoundedJSONParser
from backoffice.api.serializers import Serializer
from backoffice.permissions import has_perm
from backoffice.roles import Perm

from .. import services
from ..models import Project, ProjectUserObjectPermission
from ..signals import stats_query_sections, stats_sections
from .serializers import ProjectDetailSerializer, ProjectSerializer, ProjectWriteSerializer

TRASHED_PARAM = OpenApiParameter(
    "trashed", bool, description="true: the projects in the trash instead of the live ones."
)

#: The permission of each action added here (``subprojects`` depends on the method).
EXTRA_PERMS = {
    "assign": Perm.EDIT_PROJECTS,
    "unassign": Perm.EDIT_PROJECTS,
    "thumbnail": Perm.EDIT_PROJECTS,
    "trash": Perm.ADMINISTER_PROJECTS,
    "restore": Perm.ADMINISTER_PROJECTS,
    "stats": Perm.VIEW,
}
#: Actions that find a project in the trash as well as a live one.
ANY_LIFECYCLE_ACTIONS = {"trash", "restore", "destroy"}


class AssignSerializer(Serializer):
    parent_id = serializers.UUIDField()


class ThumbnailFromTemplateSerializer(Serializer):
    """JSON: ``{templateId}``, that template's poster."""

    template_id = serializers.UUIDField()


class ThumbnailImageSerializer(Serializer):
    """Multipart: an ``image`` file."""

    image = serializers.FileField()


class StatsSerializer(Serializer):
    """Documentation of the stats shape; sections come from the apps that are installed."""

    project_id = serializers.UUIDField()
    subprojects = serializers.IntegerField()
    members = serializers.IntegerField()
    templates = serializers.DictField()
    total_file_bytes = serializers.IntegerField()
    comments = serializers.IntegerField()
    credentials_active = serializers.IntegerField()
    shares_enabled = serializers.IntegerField()
    landing_page_views = serializers.DictField(child=serializers.IntegerField())
    cta_clicks = serializers.DictField(child=serializers.IntegerField())
    daily = serializers.DictField(
        help_text="`{from, to, days: [{date, views: {DEV, STAGING, PROD}, ctaClicks: {…}}]}`: "
        "every UTC day of the range, zeros included."
    )


def wants_trash(request) -> bool:
    """``?trashed=true`` or ``false`` (or absent), as the schema's boolean says: any other
    value is a 400, not a silent "false"."""
    values = request.query_params.getlist("trashed")
    if not values:
        return False
    if len(values) > 1 or values[0] not in ("true", "false"):
        raise serializers.ValidationError({"trashed": ["Must be true or false."]})
    return values[0] == "true"


class ProjectExtrasMixin:
    """Goes before ``ScopedViewSet`` in the bases of ``ProjectViewSet``."""

    def lifecycle_queryset(self):
        """Live projects, or the trash (``?trashed=true`` on list and detail), or both for
        the actions that must reach a trashed project."""
        if self.action in ANY_LIFECYCLE_ACTIONS:
            return Project.objects.all()
        if self.action in ("list", "retrieve") and wants_trash(self.request):
            return Project.objects.trashed()
        return Project.objects.live()

    def required_perm(self) -> Perm:
        if self.action == "subprojects":
            return Perm.EDIT_PROJECTS if self.request.method == "POST" else Perm.VIEW
        if self.action in EXTRA_PERMS:
            return EXTRA_PERMS[self.action]
        return super().required_perm()

    # Hierarchy ---------------------------------------------------------------------------

    @extend_schema(methods=["GET"], request=None, responses=ProjectSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ProjectWriteSerializer, responses={201: ProjectDetailSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def subprojects(self, request, pk=None):
        """GET: the live sub-projects the caller sees (paginated, with the list's filters).
        POST: create one in the parent's organization."""
        project = self.get_object()
        if request.method == "POST":
            params = ProjectWriteSerializer(data=request.data)
            params.is_valid(raise_exception=True)
            child = services.project_create_child(
                actor=Actor.for_request(request), parent=project, **params.validated_data
            )
            return self._detail(child, status.HTTP_201_CREATED)
        children = self.filter_queryset(self.get_queryset().filter(parent=project))
        page = self.paginate_queryset(children)
        return self.get_paginated_response(
            ProjectSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=AssignSerializer, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        project = self.get_object()
        params = AssignSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        parent = (
            Project.objects.live()
            .visible_to(request.user)
            .select_related("organization")
            .filter(pk=params.validated_data["parent_id"])
            .first()
        )
        if parent is None:
            raise serializers.ValidationError({"parentId": ["No such project."]})
        if not has_perm(request.user, Perm.EDIT_PROJECTS, parent):
            raise InsufficientRole("Your role does not allow editing the parent project.")
        project = services.project_assign(
            actor=Actor.for_request(request), project=project, parent=parent
        )
        return self._detail(project)

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        project = services.project_unassign(
            actor=Actor.for_request(request), project=self.get_object()
        )
        return self._detail(project)

    # Trash -------------------------------------------------------------------------------

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def trash(self, request, pk=None):
        """The project and its sub-projects go to the trash together."""
        project = services.project_trash(
            actor=Actor.for_request(request), project=self.get_object()
        )
        return self._detail(project)

    @extend_schema(request=None, responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring back what was trashed with this project (400 when it is not in the trash)."""
        project = services.project_restore(
            actor=Actor.for_request(request), project=self.get_object()
        )
        return self._detail(project)

    # Thumbnail ---------------------------------------------------------------------------

    @extend_schema(
        methods=["PUT"],
        request={
            "application/json": ThumbnailFromTemplateSerializer,
            "multipart/form-data": ThumbnailImageSerializer,
        },
        responses=ProjectDetailSerializer,
    )
    @extend_schema(methods=["DELETE"], request=None, responses=ProjectDetailSerializer)
    @action(
        detail=True,
        methods=["put", "delete"],
        parser_classes=[BoundedJSONParser, CompleteMultiPartParser],
    )
    def thumbnail(self, request, pk=None):
        project = self.get_object()
        actor = Actor.for_request(request)
        if request.method == "DELETE":
            return self._detail(services.project_thumbnail_remove(actor=actor, project=project))
        # Each body type reads its own field only: a template id in a multipart form (or an
        # image in JSON, which can't carry one) is not what the schema documents.
        if request.content_type.lower().startswith("multipart/"):
            params = ThumbnailImageSerializer(data=request.data)
            params.is_valid(raise_exception=True)
            project = services.project_thumbnail_set(
                actor=actor, project=project, image=params.validated_data["image"].read()
            )
        else:
            params = ThumbnailFromTemplateSerializer(data=request.data)
            params.is_valid(raise_exception=True)
            project = services.project_thumbnail_set(
                actor=actor, project=project, template_id=params.validated_data["template_id"]
            )
        return self._detail(project)

    # Stats -------------------------------------------------------------------------------

    @extend_schema(
        request=None,
        responses=StatsSerializer,
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description=(
                    "First day of `daily` (default: `to` minus 29 days); 2000-01-01 to 2999-12-31"
                ),
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description="Last day of `daily` (default: today, UTC); 2000-01-01 to 2999-12-31",
            ),
        ],
    )
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        """Figures of the project, in a constant number of queries (one or two per app)."""
        project = self.get_object()
        data = {
            "projectId": str(project.pk),
            "subprojects": Project.objects.live().filter(parent=project).count(),
            "members": ProjectUserObjectPermission.objects.filter(content_object=project)
            .values("user")
            .distinct()
            .count(),
        }
        for section in stats_sections.values():
            data.update(section(project))
        for query_section in stats_query_sections.values():
            data.update(query_section(project, request.query_params))
        return Response(data)


__all__ = ["TRASHED_PARAM", "ProjectExtrasMixin"]
