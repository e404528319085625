"""Identity endpoints (SPEC §3): the caller, their tokens, organizations, members and
invitations. Views parse, check and call services; they never save models themselves."""

from functools import cached_property

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..actors import Actor
from ..models import ApiToken, Invitation, Membership, Organization
from ..roles import Perm
from .active_org import check_request_organization
from .identity_serializers import (
    AcceptedInvitationSerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MemberSerializer,
    MeSerializer,
    OrganizationSerializer,
    OrganizationSettingsSerializer,
    RoleSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from .viewsets import ScopedViewSet


class MeView(APIView):
    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        check_request_organization(request)

    @extend_schema(responses=MeSerializer, summary="The caller and their organization roles")
    def get(self, request):
        user = request.user
        memberships = Membership.objects.select_related("organization").order_by(
            "organization__name"
        )
        prefetch_related_objects([user], Prefetch("memberships", queryset=memberships))
        return Response(MeSerializer(user).data)


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The caller's own personal API tokens. Another user's token is a 404."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()

    def scoped_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=TokenCreateSerializer, responses={201: TokenCreatedSerializer})
    def create(self, request):
        params = TokenCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        created = services.token_create(
            actor=Actor.for_request(request), user=request.user, **params.validated_data
        )
        data = TokenCreatedSerializer(created.token).data
        data["token"] = created.value
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.token_revoke(actor=Actor.for_request(request), token=self.get_object())
        return Response(TokenSerializer(token).data)


class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Organizations the caller belongs to (all of them for the system Owner)."""

    serializer_class = OrganizationSerializer
    queryset = Organization.objects.none()
    action_perms = {"partial_update": Perm.MANAGE_ORGANIZATION}

    def scoped_queryset(self):
        user = self.request.user
        if user.is_owner:
            return Organization.objects.all()
        return Organization.objects.filter(
            memberships__user=user, memberships__deactivated_at__isnull=True
        )

    @extend_schema(request=OrganizationSettingsSerializer, responses=OrganizationSerializer)
    def partial_update(self, request, pk=None):
        organization = self.get_object()
        # PATCH: a field left out is left alone, an empty body changes nothing (the schema's
        # PatchedOrganizationSettings has no required field).
        params = OrganizationSettingsSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        organization = services.organization_update(
            actor=Actor.for_request(request), organization=organization, **params.validated_data
        )
        return Response(OrganizationSerializer(organization).data)


class OrganizationScopedViewSet(ScopedViewSet):
    """Endpoints under ``/api/Organizations/{organizationId}/``."""

    @cached_property
    def organization(self) -> Organization:
        return get_object_or_404(Organization, pk=self.kwargs["organizationId"])

    def permission_scope(self) -> Organization:
        return self.organization


class MemberViewSet(mixins.ListModelMixin, OrganizationScopedViewSet):
    serializer_class = MemberSerializer
    queryset = Membership.objects.none()
    lookup_field = "user_id"
    lookup_url_kwarg = "userId"
    action_perms = {
        "role": Perm.MANAGE_ORGANIZATION,
        "deactivate": Perm.MANAGE_ORGANIZATION,
        "reactivate": Perm.MANAGE_ORGANIZATION,
    }

    def scoped_queryset(self):
        return (
            Membership.objects.filter(organization=self.organization)
            .select_related("user")
            .order_by("user__email")
        )

    @extend_schema(request=RoleSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["put"])
    def role(self, request, **kwargs):
        params = RoleSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        membership = self.get_object()
        membership = services.membership_set_role(
            actor=Actor.for_request(request),
            organization=self.organization,
            user=membership.user,
            role=params.validated_data["role"],
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(request=None, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, **kwargs):
        membership = services.member_deactivate(
            actor=Actor.for_request(request), membership=self.get_object()
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(request=None, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, **kwargs):
        membership = services.member_reactivate(
            actor=Actor.for_request(request), membership=self.get_object()
        )
        return Response(MemberSerializer(membership).data)


class InvitationViewSet(mixins.ListModelMixin, OrganizationScopedViewSet):
    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()
    default_perm = Perm.MANAGE_ORGANIZATION

    def scoped_queryset(self):
        # Guest invitations (to one project) are sent again through ``…/guests``.
        return Invitation.objects.filter(
            organization=self.organization, project_id__isnull=True
        ).select_related("user", "invited_by")

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request, **kwargs):
        params = InvitationCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        sent = services.invitation_create(
            actor=Actor.for_request(request),
            organization=self.organization,
            **params.validated_data,
        )
        return Response(InvitationSerializer(sent.invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None, **kwargs):
        sent = services.invitation_resend(
            actor=Actor.for_request(request), invitation=self.get_object()
        )
        return Response(InvitationSerializer(sent.invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None, **kwargs):
        invitation = services.invitation_revoke(
            actor=Actor.for_request(request), invitation=self.get_object()
        )
        return Response(InvitationSerializer(invitation).data)


class InvitationAcceptView(APIView):
    """Accept an invitation with the token from its link. No login needed: the token is the
    proof; a new user chooses their password here."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=InvitationAcceptSerializer, responses=AcceptedInvitationSerializer)
    def post(self, request):
        params = InvitationAcceptSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        invitation = services.invitation_for_token(params.validated_data["token"])
        services.invitation_accept(**params.validated_data)
        return Response(AcceptedInvitationSerializer(invitation).data)
