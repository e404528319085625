"""Channel representations and the publish input."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.api.datetimes import DateTimeField
from backoffice.api.identity_serializers import PersonIdField, PersonNameField
from backoffice.api.serializers import ModelSerializer, Serializer
from templates.api.serializers import TemplateSummarySerializer

from ..models import DeployRequest, DistributionChannel, PublicVideoShare
from ..services import share_is_live


class DistributionChannelSerializer(ModelSerializer):
    active_template_id = serializers.UUIDField(read_only=True, allow_null=True)
    active_template = TemplateSummarySerializer(read_only=True, allow_null=True)
    published_by = PersonIdField(source="published_by_id")
    published_by_name = PersonNameField(source="published_by")

    class Meta:
        model = DistributionChannel
        fields = [
            "channel",
            "active_template_id",
            "active_template",
            "channel_handle",
            "published_by",
            "published_by_name",
            "published_at",
        ]
        read_only_fields = fields


class PublishSerializer(Serializer):
    template_id = serializers.UUIDField()


class PublicVideoShareSerializer(ModelSerializer):
    url = serializers.CharField(read_only=True)
    api_credential_id = serializers.UUIDField(read_only=True, allow_null=True)
    personalization_data = serializers.DictField(read_only=True)
    created_by = PersonIdField(source="created_by_id")
    created_by_name = PersonNameField(source="created_by")
    disabled_by = PersonIdField(source="disabled_by_id")
    disabled_by_name = PersonNameField(source="disabled_by")
    restored_by = PersonIdField(source="restored_by_id")
    restored_by_name = PersonNameField(source="restored_by")
    slug_rotated_by = PersonIdField(source="slug_rotated_by_id")
    slug_rotated_by_name = PersonNameField(source="slug_rotated_by")
    view_count = serializers.IntegerField(
        read_only=True, help_text="Landing-page views: flushed daily counts plus pending ones."
    )
    cta_click_count = serializers.IntegerField(read_only=True)
    has_password = serializers.BooleanField(
        read_only=True, help_text="The landing page asks for a password (never sent back)."
    )
    live = serializers.SerializerMethodField(
        help_text="Enabled, its channel shows a template, its project is neither archived nor "
        "trashed (and its credential, if any, is usable): the landing page plays."
    )

    class Meta:
        model = PublicVideoShare
        fields = [
            "id",
            "channel",
            "slug",
            "url",
            "status",
            "live",
            "public_title",
            "public_subtitle",
            "locale",
            "cta_label",
            "cta_url",
            "personalization_data",
            "api_credential_id",
            "view_count",
            "cta_click_count",
            "created_at",
            "created_by",
            "created_by_name",
            "updated_at",
            "disabled_at",
            "disabled_by",
            "disabled_by_name",
            "restored_at",
            "restored_by",
            "restored_by_name",
            "slug_rotated_at",
            "slug_rotated_by",
            "slug_rotated_by_name",
            "expires_at",
            "has_password",
        ]
        read_only_fields = fields

    def get_live(self, share: PublicVideoShare) -> bool:
        return share_is_live(share)


@extend_schema_field({"type": "object", "additionalProperties": {}})  # + null: allow_null
class PersonalizationDataField(serializers.JSONField):
    """Any JSON here; ``services.share_validate`` refuses what isn't an object (or null). The
    schema says so: ``oneOf: [{}, null]`` made null invalid and admitted an array."""


class PublicVideoShareWriteSerializer(Serializer):
    """The PUT body. Only the JSON types are checked here; every rule of §7 is checked by
    ``services.share_validate`` (so the admin and the API refuse the same things)."""

    public_title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    public_subtitle = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    locale = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    cta_label = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    cta_url = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    personalization_data = PersonalizationDataField(
        required=False, allow_null=True, help_text="A JSON object, at most 16 KB."
    )
    api_credential_id = serializers.UUIDField(required=False, allow_null=True)
    expires_at = DateTimeField(
        required=False,
        allow_null=True,
        help_text="After it the landing page answers 410 no longer available; absent or null: "
        "no expiry. Time-zone offsets range from -14:00 to +14:00.",
    )
    password = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        max_length=1000,
        help_text="8 to 128 characters: the landing page asks for it. Absent: unchanged; "
        "empty or null: removed. Never sent back (``hasPassword``).",
    )


class RotatedSlugSerializer(Serializer):
    previous_slug = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField()


class DeployRequestSerializer(ModelSerializer):
    """A four-eyes PROD deploy request (SPEC §17)."""

    project_id = serializers.UUIDField(read_only=True)
    template_id = serializers.UUIDField(read_only=True)
    requested_by = PersonIdField(source="requested_by_id")
    requested_by_name = PersonNameField(source="requested_by")
    decided_by = PersonIdField(source="decided_by_id")
    decided_by_name = PersonNameField(source="decided_by")

    class Meta:
        model = DeployRequest
        fields = [
            "id",
            "project_id",
            "channel",
            "template_id",
            "status",
            "created_at",
            "expires_at",
            "requested_by",
            "requested_by_name",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields


class DeployRequestCreateSerializer(Serializer):
    template_id = serializers.UUIDField()


class DeployRequestRejectSerializer(Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
