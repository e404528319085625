"""Channel representations and the publish input."""

from rest_framework import serializers

from backoffice.api.identity_serializers import UserSummarySerializer
from backoffice.api.serializers import ModelSerializer, Serializer
from templates.api.serializers import TemplateSummarySerializer

from ..models import DistributionChannel


class DistributionChannelSerializer(ModelSerializer):
    active_template_id = serializers.UUIDField(read_only=True, allow_null=True)
    active_template = TemplateSummarySerializer(read_only=True, allow_null=True)
    published_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = DistributionChannel
        fields = [
            "channel",
            "active_template_id",
            "active_template",
            "channel_handle",
            "published_by",
            "published_at",
        ]
        read_only_fields = fields


class PublishSerializer(Serializer):
    template_id = serializers.UUIDField()
