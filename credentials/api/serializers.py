"""Credential representations. The secret appears only in the create response."""

from rest_framework import serializers

from backoffice.api.datetimes import DateTimeField
from backoffice.api.identity_serializers import PersonIdField, PersonNameField
from backoffice.api.serializers import ModelSerializer, Serializer

from ..constants import CHANNEL_NAMES
from ..models import ApiCredential


class CredentialSerializer(ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    status = serializers.CharField(read_only=True)
    created_by = PersonIdField(source="created_by_id")
    created_by_name = PersonNameField(source="created_by")
    revoked_by = PersonIdField(source="revoked_by_id")
    revoked_by_name = PersonNameField(source="revoked_by")
    channels = serializers.ListField(child=serializers.ChoiceField(choices=CHANNEL_NAMES))

    class Meta:
        model = ApiCredential
        fields = [
            "id",
            "project_id",
            "name",
            "api_key",
            "status",
            "channels",
            "expires_at",
            "created_at",
            "created_by",
            "created_by_name",
            "last_used_at",
            "revoked_at",
            "revoked_by",
            "revoked_by_name",
        ]
        read_only_fields = fields


class CredentialCreatedSerializer(CredentialSerializer):
    api_secret = serializers.CharField(read_only=True, help_text="Shown only in this response.")

    class Meta(CredentialSerializer.Meta):
        fields = [*CredentialSerializer.Meta.fields, "api_secret"]
        read_only_fields = fields


class CredentialCreateSerializer(Serializer):
    project_id = serializers.CharField(help_text="The project's id or slug.")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNEL_NAMES), required=False, max_length=3
    )
    expires_at = DateTimeField(required=False, allow_null=True)
