"""The template endpoints of SPEC §5, nested under a project (id or slug)."""

import json

from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.actors import Actor
from backoffice.api.multipart import CompleteMultiPartParser
from backoffice.api.serializers import ProblemSerializer
from backoffice.errors import InvalidRequest
from backoffice.roles import Perm
from projects.api.scoped import ProjectScopedViewSet

from .. import services
from ..files import file_id_from_token
from ..filters import TemplateFilterSet
from ..models import Template, TemplateFile
from ..selectors import templates_of
from .serializers import TemplateSerializer, TemplateUploadSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retrying with the same key and request returns the first response.",
)
MAX_IDEMPOTENCY_KEY = 255


class TemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Templates of one project."""

    queryset = Template.objects.none()
    serializer_class = TemplateSerializer
    filterset_class = TemplateFilterSet
    action_perms = {
        "upload": Perm.UPLOAD_TEMPLATES,
        "archive": Perm.UPLOAD_TEMPLATES,
        "destroy": Perm.DELETE_TEMPLATES,
    }

    def scoped_queryset(self):
        return templates_of(self.project)

    def _render(self, template: Template) -> dict:
        template = templates_of(self.project).get(pk=template.pk)
        data = TemplateSerializer(template, context=self.get_serializer_context()).data
        return json.loads(JSONRenderer().render(data))

    @extend_schema(
        request={"multipart/form-data": TemplateUploadSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: TemplateSerializer,
            400: ProblemSerializer,
            409: ProblemSerializer,
            413: ProblemSerializer,
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[CompleteMultiPartParser])
    def upload(self, request, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key and len(key) > MAX_IDEMPOTENCY_KEY:
            raise InvalidRequest.for_field("Idempotency-Key", "At most 255 characters.")
        data, files = request.data, request.FILES
        outcome = services.template_upload(
            actor=Actor.for_request(request),
            project=self.project,
            name=data.get("name", ""),
            version=data.get("version") or "1.0",
            kind=data.get("kind", ""),
            template_json=files.get("templateJson"),
            manifest_json=files.get("manifestJson"),
            overlay_json=files.get("overlayJson"),
            video_file=files.get("videoFile"),
            poster_file=files.get("posterFile"),
            asset_files=files.getlist("assetFiles"),
            idempotency_key=key,
            respond=self._render,
        )
        response = Response(outcome.body, status=outcome.status_code)
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(request=None, responses={200: TemplateSerializer, 409: ProblemSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, **kwargs):
        template = services.template_archive(
            actor=Actor.for_request(request), template=self.get_object()
        )
        return Response(self._render(template))

    @extend_schema(responses={204: None, 409: ProblemSerializer})
    def destroy(self, request, *args, **kwargs):
        services.template_delete(actor=Actor.for_request(request), template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateFileDownloadView(APIView):
    """A template file by its signed, short-lived URL. The token is the credential (so a
    player or an embed can fetch it); expired or tampered tokens are refused with 403."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            # Each file in its own type (Lottie and manifest JSON, MP4, PNG …): any media type.
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.ANY, description="The file, in its own media type"
            ),
            403: ProblemSerializer,
            404: ProblemSerializer,
        }
    )
    def get(self, request, token: str):
        try:
            file_id = file_id_from_token(token)
        except signing.BadSignature:
            raise PermissionDenied(
                "This file link is invalid or has expired.", code="invalid_file_token"
            ) from None
        file = TemplateFile.objects.filter(pk=file_id).first()
        if file is None or not default_storage.exists(file.file.name):
            raise NotFound()
        response = FileResponse(
            default_storage.open(file.file.name, "rb"),
            content_type=file.content_type or "application/octet-stream",
            filename=file.original_name or None,
        )
        # Files are user content: never sniffed, never run as a page of our origin.
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=60"
        # The signed URL is the credential, and no cookie is read: any page may fetch it,
        # including the landing page's player, a sandboxed frame with an opaque origin.
        response["Access-Control-Allow-Origin"] = "*"
        return response
