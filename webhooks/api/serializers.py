"""Webhook endpoint and delivery representations; the payload a receiver gets is
``WebhookEvent``. The secret appears only in the create response."""

import re

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.api.identity_serializers import PersonIdField, PersonNameField
from backoffice.api.serializers import ModelSerializer, Serializer

from ..constants import EVENT_NAMES
from ..models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_NAMES))
    created_by = PersonIdField(source="created_by_id")
    created_by_name = PersonNameField(source="created_by")
    secret_hint = serializers.CharField(
        read_only=True, help_text="The first letters of the signing secret, to tell it apart."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "enabled",
            "status",
            "failing_since",
            "secret_hint",
            "created_at",
            "updated_at",
            "created_by",
            "created_by_name",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (``whsec_…``, Standard Webhooks). Shown only in this "
        "response: store it now.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


#: An endpoint listens to at least one event; the default message says "1 elements".
EVENTS_ERRORS = {"min_length": "Name at least one event.", "max_length": "At most 50 events."}


WEBHOOK_URL_PATTERN = (
    r"^[hH][tT][tT][pP][sS]?://([^\s/?#@\[\]]+|\[[0-9A-Fa-f:.]+\](:[0-9]+)?)([/?#]\S*)?$"
)


def webhook_url_shape(value: str) -> str:
    """An absolute http(s) URL with a host, as the schema's ``pattern`` says; the services
    check the rest (https in production, public addresses once resolved)."""
    if not re.match(WEBHOOK_URL_PATTERN, value):
        authority = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)", value)
        if authority and "@" in authority.group(1):
            raise serializers.ValidationError("The URL must not carry a user name or password.")
        if authority and not authority.group(1):
            raise serializers.ValidationError("The URL has no host.")
        names = "https or http" if settings.WEBHOOK_ALLOW_HTTP else "https"
        raise serializers.ValidationError(
            f"Must be an absolute {names} URL, such as https://crm.example.com/hooks."
        )
    return value


webhook_url_shape.openapi_pattern = WEBHOOK_URL_PATTERN


class WebhookEndpointCreateSerializer(Serializer):
    url = serializers.CharField(
        max_length=2000,
        validators=[webhook_url_shape],
        help_text="https only in production; the host must resolve to public addresses.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_NAMES),
        min_length=1,
        max_length=50,
        error_messages=EVENTS_ERRORS,
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True, default=""
    )
    enabled = serializers.BooleanField(required=False, default=True)

    def validate_description(self, value: str | None) -> str:
        """``null`` clears it, as for projects and branding."""
        return value or ""


class WebhookEndpointUpdateSerializer(Serializer):
    url = serializers.CharField(max_length=2000, required=False, validators=[webhook_url_shape])
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_NAMES),
        min_length=1,
        max_length=50,
        required=False,
        error_messages=EVENTS_ERRORS,
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )
    enabled = serializers.BooleanField(required=False)

    def validate_description(self, value: str | None) -> str:
        """``null`` clears it, as for projects and branding."""
        return value or ""


class WebhookDeliverySerializer(ModelSerializer):
    webhook_id = serializers.CharField(read_only=True, help_text="The ``webhook-id`` header.")
    endpoint_id = serializers.UUIDField(read_only=True)
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint_id",
            "webhook_id",
            "event_type",
            "status",
            "attempts",
            "response_status",
            "duration_ms",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "completed_at",
            "redelivery_of",
        ]
        read_only_fields = fields


class WebhookEventActorSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["user", "token", "credential", "system"])
    label = serializers.CharField(help_text="E-mail of the user, or the token's or system's name.")


class WebhookEventTargetSerializer(Serializer):
    type = serializers.CharField(help_text="project, template, distributionchannel, …")
    id = serializers.CharField()
    label = serializers.CharField()


class WebhookEventDataSerializer(Serializer):
    event_id = serializers.UUIDField(help_text="The audit event this delivery reports.")
    organization_id = serializers.UUIDField()
    project_id = serializers.UUIDField(allow_null=True)
    actor = WebhookEventActorSerializer()
    targets = WebhookEventTargetSerializer(many=True)
    changes = serializers.DictField(
        help_text='``{"field": {"before": …, "after": …}}`` as in the audit trail.'
    )


class WebhookEventSerializer(Serializer):
    """The JSON body POSTed to an endpoint (Standard Webhooks shape), signed in the
    ``webhook-signature`` header over ``{webhook-id}.{webhook-timestamp}.{body}``."""

    type = serializers.ChoiceField(choices=EVENT_NAMES)
    timestamp = serializers.DateTimeField()
    data = WebhookEventDataSerializer()


@extend_schema_field(WebhookEventSerializer)
class WebhookEventField(serializers.JSONField):
    pass


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = WebhookEventField(read_only=True, help_text="The body that was sent.")
    response_excerpt = serializers.CharField(
        read_only=True, help_text="The first 1000 characters of the last answer."
    )

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload", "response_excerpt"]
        read_only_fields = fields
