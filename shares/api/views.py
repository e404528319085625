"""The distribution channel endpoints of SPEC §6 and the public video share endpoints of §7.

Both lists (and one share) are also readable with an API credential of the project (HTTP
Basic ``pk:sk``, ``credential_actions``); a credential restricted to some channels sees only
those.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.paths import any_case
from backoffice.api.serializers import ProblemSerializer, validated_with_rules
from backoffice.roles import Perm
from credentials.models import ApiCredential
from projects.api.scoped import ProjectScopedViewSet

from .. import services
from ..constants import Channel, DeployStatus
from ..models import DeployRequest, DistributionChannel, PublicVideoShare
from .serializers import (
    DeployRequestCreateSerializer,
    DeployRequestRejectSerializer,
    DeployRequestSerializer,
    DistributionChannelSerializer,
    PublicVideoShareSerializer,
    PublicVideoShareWriteSerializer,
    PublishSerializer,
    RotatedSlugSerializer,
)

#: ``{channel}``: DEV, STAGING or PROD in any letter case; anything else is a 404.
CHANNEL = any_case(*Channel.values)


def for_caller(request, rows: list) -> list:
    """Drop the channels a credential restricted to others may not read."""
    credential = request.auth
    if isinstance(credential, ApiCredential):
        return [row for row in rows if credential.allows_channel(row.channel)]
    return rows


#: The people named in a representation. A credential (a customer's server) gets them as
#: null: staff identities are personal data it has no use for.
PEOPLE = tuple(
    key
    for field in ("publishedBy", "createdBy", "disabledBy", "restoredBy", "slugRotatedBy")
    for key in (field, f"{field}Name")
)


def redacted(request, data):
    if not isinstance(request.auth, ApiCredential):
        return data
    items = data if isinstance(data, list) else [data]
    for item in items:
        for key in PEOPLE:
            if key in item:
                item[key] = None
    return data


class DistributionChannelViewSet(ProjectScopedViewSet):
    """The three channels of a project (a plain array: DEV, STAGING, PROD)."""

    queryset = DistributionChannel.objects.none()
    serializer_class = DistributionChannelSerializer
    pagination_class = None
    lookup_field = "channel"
    lookup_value_regex = CHANNEL
    action_perms = {"publish": Perm.PUBLISH_CHANNELS, "unpublish": Perm.PUBLISH_CHANNELS}
    credential_actions = frozenset({"list"})

    def scoped_queryset(self):
        return DistributionChannel.objects.filter(project=self.project)

    @extend_schema(responses=DistributionChannelSerializer(many=True))
    def list(self, request, **kwargs):
        rows = for_caller(request, services.channels_of(self.project))
        context = self.get_serializer_context()
        data = DistributionChannelSerializer(rows, many=True, context=context).data
        return Response(redacted(request, data))

    def _respond(self, row: DistributionChannel) -> Response:
        row = next(r for r in services.channels_of(self.project) if r.pk == row.pk)
        return Response(DistributionChannelSerializer(row).data)

    @extend_schema(
        request=PublishSerializer,
        responses={
            200: DistributionChannelSerializer,
            202: DeployRequestSerializer,
            400: ProblemSerializer,
            409: ProblemSerializer,
        },
        description="Publishes at once, except to PROD in an organization with "
        "``requireProdApproval``: then 202 with a pending deploy request that another "
        "ProjectManager+ approves (which publishes) or rejects.",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, channel: str, **kwargs):
        params = PublishSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        outcome = services.channel_publish_or_request(
            actor=Actor.for_request(request),
            project=self.project,
            channel=channel.upper(),
            template_id=params.validated_data["template_id"],
        )
        if isinstance(outcome, DeployRequest):
            return Response(DeployRequestSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)
        return self._respond(outcome)

    @extend_schema(
        request=None, responses={200: DistributionChannelSerializer, 409: ProblemSerializer}
    )
    @action(detail=True, methods=["post"])
    def unpublish(self, request, channel: str, **kwargs):
        row = services.channel_unpublish(
            actor=Actor.for_request(request), project=self.project, channel=channel.upper()
        )
        return self._respond(row)


SHARE_ERRORS = {400: ProblemSerializer, 404: ProblemSerializer, 409: ProblemSerializer}


class PublicVideoShareViewSet(ProjectScopedViewSet):
    """The public landing pages of a project, one per channel (a plain array)."""

    queryset = PublicVideoShare.objects.none()
    serializer_class = PublicVideoShareSerializer
    pagination_class = None
    lookup_field = "channel"
    lookup_value_regex = CHANNEL
    action_perms = {
        "update": Perm.MANAGE_SHARES,
        "disable": Perm.MANAGE_SHARES,
        "restore": Perm.MANAGE_SHARES,
        "rotate_slug": Perm.MANAGE_SHARES,
    }
    credential_actions = frozenset({"list", "retrieve"})

    def scoped_queryset(self):
        return PublicVideoShare.objects.filter(project=self.project)

    def _share(self, share: PublicVideoShare) -> dict:
        row = next(r for r in services.shares_of(self.project) if r.pk == share.pk)
        return PublicVideoShareSerializer(row).data

    @extend_schema(responses=PublicVideoShareSerializer(many=True))
    def list(self, request, **kwargs):
        rows = for_caller(request, services.shares_of(self.project))
        context = self.get_serializer_context()
        data = PublicVideoShareSerializer(rows, many=True, context=context).data
        return Response(redacted(request, data))

    @extend_schema(responses={200: PublicVideoShareSerializer, 404: ProblemSerializer})
    def retrieve(self, request, channel: str, **kwargs):
        rows = for_caller(request, services.shares_of(self.project))
        row = next((r for r in rows if r.channel == channel.upper()), None)
        if row is None:
            raise NotFound()
        context = self.get_serializer_context()
        return Response(redacted(request, PublicVideoShareSerializer(row, context=context).data))

    @extend_schema(
        request=PublicVideoShareWriteSerializer,
        responses={200: PublicVideoShareSerializer, 201: PublicVideoShareSerializer} | SHARE_ERRORS,
    )
    def update(self, request, channel: str, **kwargs):
        if channel.upper() not in Channel.values:
            raise NotFound()
        fields = validated_with_rules(
            PublicVideoShareWriteSerializer,
            request.data,
            lambda checked: services.share_validate(
                project=self.project, channel=channel.upper(), fields=checked
            ),
        )
        result = services.share_upsert(
            actor=Actor.for_request(request),
            project=self.project,
            channel=channel.upper(),
            fields=fields,
        )
        return Response(
            self._share(result.share),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={200: PublicVideoShareSerializer} | SHARE_ERRORS)
    @action(detail=True, methods=["post"])
    def disable(self, request, channel: str, **kwargs):
        share = services.share_disable(
            actor=Actor.for_request(request), project=self.project, channel=channel.upper()
        )
        return Response(self._share(share))

    @extend_schema(request=None, responses={200: PublicVideoShareSerializer} | SHARE_ERRORS)
    @action(detail=True, methods=["post"])
    def restore(self, request, channel: str, **kwargs):
        share = services.share_restore(
            actor=Actor.for_request(request), project=self.project, channel=channel.upper()
        )
        return Response(self._share(share))

    @extend_schema(request=None, responses={200: RotatedSlugSerializer} | SHARE_ERRORS)
    @action(detail=True, methods=["post"], url_path="rotate-slug")
    def rotate_slug(self, request, channel: str, **kwargs):
        rotated = services.share_rotate_slug(
            actor=Actor.for_request(request), project=self.project, channel=channel.upper()
        )
        share = rotated.share
        return Response(
            RotatedSlugSerializer(
                {"previous_slug": rotated.previous_slug, "slug": share.slug, "url": share.url}
            ).data
        )


DEPLOY_ERRORS = {400: ProblemSerializer, 403: ProblemSerializer, 409: ProblemSerializer}


class DeployRequestViewSet(ProjectScopedViewSet):
    """Four-eyes PROD deploys of a project (SPEC §17): anyone who sees the project reads
    them; ProjectManager+ request, approve and reject — but never their own request."""

    queryset = DeployRequest.objects.none()
    serializer_class = DeployRequestSerializer
    action_perms = {
        "create": Perm.PUBLISH_CHANNELS,
        "approve": Perm.PUBLISH_CHANNELS,
        "reject": Perm.PUBLISH_CHANNELS,
    }

    def scoped_queryset(self):
        requests = DeployRequest.objects.filter(project=self.project).select_related(
            "requested_by", "decided_by"
        )
        if self.action == "list":
            wanted = self.request.query_params.getlist("status")
            if len(wanted) > 1 or (wanted and wanted[0] not in DeployStatus.values):
                # As the schema's enum says: "pending" would silently list nothing.
                allowed = ", ".join(DeployStatus.values)
                raise ValidationError(
                    {"status": [f'"{wanted[-1]}" is not a valid choice: one of {allowed}.']}
                )
            if wanted:
                requests = requests.filter(status=wanted[0])
        return requests

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeployStatus.values, description="Only these.")
        ]
    )
    def list(self, request, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DeployRequestSerializer(page, many=True).data)

    def retrieve(self, request, **kwargs):
        return Response(DeployRequestSerializer(self.get_object()).data)

    @extend_schema(
        request=DeployRequestCreateSerializer,
        responses={201: DeployRequestSerializer, **DEPLOY_ERRORS},
    )
    def create(self, request, **kwargs):
        params = DeployRequestCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        created = services.deploy_request_create(
            actor=Actor.for_request(request),
            project=self.project,
            template_id=params.validated_data["template_id"],
        )
        return Response(DeployRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DeployRequestSerializer, **DEPLOY_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, **kwargs):
        decided = services.deploy_request_approve(
            actor=Actor.for_request(request), request=self.get_object()
        )
        return Response(DeployRequestSerializer(decided).data)

    @extend_schema(
        request=DeployRequestRejectSerializer,
        responses={200: DeployRequestSerializer, **DEPLOY_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, **kwargs):
        params = DeployRequestRejectSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        decided = services.deploy_request_reject(
            actor=Actor.for_request(request),
            request=self.get_object(),
            reason=params.validated_data["reason"],
        )
        return Response(DeployRequestSerializer(decided).data)
