"""``/api/Organizations/{id}/branding`` (SPEC §16): how the organization's landing
pages look. Members read it; OrganizationAdmins change it (fields, and the logo as a
multipart upload)."""

import re
from functools import cached_property

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.multipart import CompleteMultiPartParser
from backoffice.api.parsers import BoundedJSONParser
from backoffice.api.serializers import Serializer, validated_with_rules
from backoffice.api.viewsets import ScopedViewSet
from backoffice.models import Organization
from backoffice.roles import Perm

from .. import services
from ..constants import MAX_CTA_URL_LENGTH
from ..models import OrganizationBranding
from ..public_urls import logo_url


class BrandingSerializer(Serializer):
    organization_id = serializers.UUIDField()
    organization_name = serializers.CharField()
    display_name = serializers.CharField(help_text="Shown on the pages; empty: the name.")
    brand_colour = serializers.CharField(help_text="#rrggbb, or empty for the default")
    privacy_policy_url = serializers.CharField()
    logo_url = serializers.CharField(allow_null=True, help_text="A public, immutable URL")
    updated_at = serializers.DateTimeField(allow_null=True)


def _pattern(pattern: str, message: str):
    """A validator for ``pattern`` that the schema declares too (``backoffice/api/schema.py``);
    the services check the same rule (``shares.services.branding_validate``)."""

    def validate(value: str) -> str:
        if value and not re.match(pattern, value):
            raise serializers.ValidationError(message)
        return value

    validate.openapi_pattern = pattern
    return validate


#: ``#rrggbb`` or empty; an absolute http(s) URL with a host and no space, control character or
#: ``<>"\``, or empty.
COLOUR_PATTERN = r"^$|^#[0-9a-fA-F]{6}$"
URL_PATTERN = r'^$|^[hH][tT][tT][pP][sS]?://[^\x00-\x20<>"\\/?#@:][^\x00-\x20<>"\\/?#]*([/?#][^\x00-\x20<>"\\]*)?$'


class BrandingWriteSerializer(Serializer):
    """Only the named fields change; null or "" clears one."""

    display_name = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        max_length=services.MAX_DISPLAY_NAME_LENGTH,
    )
    brand_colour = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        validators=[_pattern(COLOUR_PATTERN, "Must be a colour as #RRGGBB.")],
    )
    privacy_policy_url = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        max_length=MAX_CTA_URL_LENGTH,
        validators=[_pattern(URL_PATTERN, "Must be an absolute http: or https: URL.")],
    )


class LogoSerializer(Serializer):
    logo = serializers.FileField(help_text="PNG, JPEG, WebP or GIF, at most 2 MB")


def represent(organization: Organization, branding: OrganizationBranding) -> dict:
    return BrandingSerializer(
        {
            "organization_id": organization.pk,
            "organization_name": organization.name,
            "display_name": branding.display_name,
            "brand_colour": branding.brand_colour,
            "privacy_policy_url": branding.privacy_policy_url,
            "logo_url": logo_url(branding.logo_path),
            "updated_at": branding.updated_at if branding.pk else None,
        }
    ).data


class BrandingViewSet(ScopedViewSet):
    queryset = OrganizationBranding.objects.none()
    action_perms = {
        "update": Perm.MANAGE_ORGANIZATION,
        "partial_update": Perm.MANAGE_ORGANIZATION,
        "logo_set": Perm.MANAGE_ORGANIZATION,
        "logo_remove": Perm.MANAGE_ORGANIZATION,
    }

    def get_parsers(self):
        """The settings are JSON and the logo a multipart upload, nothing else: a body of
        another type is a 415 (the parsers are chosen before ``self.action`` is set)."""
        action = getattr(self, "action", None) or getattr(self, "action_map", {}).get(
            self.request.method.lower() if getattr(self, "request", None) else ""
        )
        if action == "logo_set":
            return [CompleteMultiPartParser()]
        return [BoundedJSONParser()]

    @cached_property
    def organization(self) -> Organization:
        return get_object_or_404(Organization, pk=self.kwargs["organizationId"])

    def permission_scope(self) -> Organization:
        return self.organization

    def scoped_queryset(self):
        return OrganizationBranding.objects.filter(organization=self.organization)

    @extend_schema(responses=BrandingSerializer)
    def retrieve(self, request, **kwargs):
        organization = self.organization
        return Response(represent(organization, services.branding_of(organization)))

    @extend_schema(request=BrandingWriteSerializer, responses=BrandingSerializer)
    def update(self, request, **kwargs):
        fields = validated_with_rules(
            BrandingWriteSerializer, request.data, services.branding_validate
        )
        branding = services.branding_update(
            actor=Actor.for_request(request), organization=self.organization, fields=dict(fields)
        )
        return Response(represent(self.organization, branding))

    @extend_schema(request=BrandingWriteSerializer, responses=BrandingSerializer)
    def partial_update(self, request, **kwargs):
        return self.update(request, **kwargs)

    @extend_schema(request={"multipart/form-data": LogoSerializer}, responses=BrandingSerializer)
    def logo_set(self, request, **kwargs):
        params = LogoSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        branding = services.branding_logo_set(
            actor=Actor.for_request(request),
            organization=self.organization,
            data=params.validated_data["logo"].read(),
        )
        return Response(represent(self.organization, branding))

    @extend_schema(request=None, responses={204: None})
    def logo_remove(self, request, **kwargs):
        services.branding_logo_remove(
            actor=Actor.for_request(request), organization=self.organization
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
