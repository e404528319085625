"""A project thumbnail by its signed, short-lived URL (``thumbnails`` of a project)."""

from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from backoffice.api.serializers import ProblemSerializer

from ..thumbnails import FOLDER, thumbnail_path_from_token


class ThumbnailFileView(APIView):
    """The token is the credential, as for template files: an ``<img>`` on any page (the
    admin, a client's own UI) loads it with no session. Tampered or expired tokens are
    refused with 403 ``invalid_file_token`` (as a template file's); a rendition replaced or
    removed since is a 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            403: ProblemSerializer,
            404: ProblemSerializer,
        }
    )
    def get(self, request, token: str):
        try:
            path = thumbnail_path_from_token(token)
        except signing.BadSignature:
            raise PermissionDenied(
                "This thumbnail link is invalid or has expired.", code="invalid_file_token"
            ) from None
        if FOLDER not in path or not default_storage.exists(path):
            raise NotFound()
        response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=60"
        response["Access-Control-Allow-Origin"] = "*"
        return response
