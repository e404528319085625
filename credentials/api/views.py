"""``/api/credentials`` (SPEC §8): list by project, create (secret shown once), revoke."""

from functools import cached_property

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.identity_serializers import AS_GUEST
from backoffice.api.viewsets import ScopedViewSet
from backoffice.roles import Perm
from projects.api.scoped import caller_is_guest, find_visible_project
from projects.models import Project

from .. import services
from ..models import ApiCredential
from .serializers import (
    CredentialCreatedSerializer,
    CredentialCreateSerializer,
    CredentialSerializer,
)


class CredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Credentials of projects the caller sees; the project's role governs each action."""

    queryset = ApiCredential.objects.none()
    serializer_class = CredentialSerializer
    action_perms = {"create": Perm.MANAGE_CREDENTIALS, "revoke": Perm.MANAGE_CREDENTIALS}

    @cached_property
    def project(self) -> Project | None:
        """The project named by ``?projectId=`` (list) or ``projectId`` (create)."""
        if self.action == "list":
            lookup = self.request.query_params.get("projectId")
            if not lookup:
                raise ValidationError({"projectId": ["Name the project."]})
        elif self.action == "create":
            params = CredentialCreateSerializer(data=self.request.data)
            params.is_valid(raise_exception=True)
            self.params = params.validated_data
            lookup = self.params["project_id"]
        else:
            return None
        return find_visible_project(self.request.user, lookup)

    def permission_scope(self) -> Project | None:
        return self.project

    def scoped_queryset(self):
        credentials = ApiCredential.objects.filter(
            project__in=Project.objects.live().visible_to(self.request.user)
        ).select_related("project", "created_by", "revoked_by")
        if self.project is not None:
            credentials = credentials.filter(project=self.project)
        return credentials

    def check_object_permissions(self, request, obj: ApiCredential) -> None:
        super().check_object_permissions(request, obj)
        self.check_role(obj.project)
        self.object_project = obj.project

    def get_serializer_context(self) -> dict:
        """A guest of the project reads its people without e-mails (SPEC §16)."""
        context = super().get_serializer_context()
        project = getattr(self, "object_project", None)
        if project is None and self.action == "list":
            project = self.project
        if project is not None:
            context[AS_GUEST] = caller_is_guest(self.request.user, project)
        return context

    @extend_schema(
        parameters=[OpenApiParameter("projectId", str, required=True, description="Id or slug.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CredentialCreateSerializer, responses={201: CredentialCreatedSerializer})
    def create(self, request):
        params = dict(self.params)
        params.pop("project_id")
        created = services.credential_create(
            actor=Actor.for_request(request), project=self.project, **params
        )
        data = CredentialCreatedSerializer(created.credential).data
        data["apiSecret"] = created.secret
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CredentialSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        credential = services.credential_revoke(
            actor=Actor.for_request(request), credential=self.get_object()
        )
        return Response(CredentialSerializer(credential).data)
