"""The distribution channel endpoints of SPEC §6."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.serializers import ProblemSerializer
from backoffice.roles import Perm
from projects.api.scoped import ProjectScopedViewSet

from .. import services
from ..models import DistributionChannel
from .serializers import DistributionChannelSerializer, PublishSerializer


class DistributionChannelViewSet(ProjectScopedViewSet):
    """The three channels of a project (a plain array: DEV, STAGING, PROD)."""

    queryset = DistributionChannel.objects.none()
    serializer_class = DistributionChannelSerializer
    pagination_class = None
    lookup_field = "channel"
    lookup_value_regex = "[A-Za-z]+"
    action_perms = {"publish": Perm.PUBLISH_CHANNELS, "unpublish": Perm.PUBLISH_CHANNELS}

    def scoped_queryset(self):
        return DistributionChannel.objects.filter(project=self.project)

    @extend_schema(responses=DistributionChannelSerializer(many=True))
    def list(self, request, **kwargs):
        rows = services.channels_of(self.project)
        return Response(DistributionChannelSerializer(rows, many=True).data)

    def _respond(self, row: DistributionChannel) -> Response:
        row = next(r for r in services.channels_of(self.project) if r.pk == row.pk)
        return Response(DistributionChannelSerializer(row).data)

    @extend_schema(
        request=PublishSerializer,
        responses={
            200: DistributionChannelSerializer,
            400: ProblemSerializer,
            409: ProblemSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, channel: str, **kwargs):
        params = PublishSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        row = services.channel_publish(
            actor=Actor.for_request(request),
            project=self.project,
            channel=channel.upper(),
            template_id=params.validated_data["template_id"],
        )
        return self._respond(row)

    @extend_schema(
        request=None, responses={200: DistributionChannelSerializer, 409: ProblemSerializer}
    )
    @action(detail=True, methods=["post"])
    def unpublish(self, request, channel: str, **kwargs):
        row = services.channel_unpublish(
            actor=Actor.for_request(request), project=self.project, channel=channel.upper()
        )
        return self._respond(row)
