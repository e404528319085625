"""Webhook event names and the audit events they come from (SPEC §17)."""

from django.db import models

#: Audit event type → the webhook event it becomes. Only these are ever sent.
EVENTS_FROM_AUDIT: dict[str, str] = {
    "TEMPLATE_UPLOADED": "template.uploaded",
    "CHANNEL_PUBLISHED": "channel.published",
    "CHANNEL_UNPUBLISHED": "channel.unpublished",
    "SHARE_CREATED": "share.created",
    "SHARE_DISABLED": "share.disabled",
    "SHARE_RESTORED": "share.restored",
    "SLUG_ROTATED": "share.rotated",
    "CREDENTIAL_CREATED": "credential.created",
    "CREDENTIAL_REVOKED": "credential.revoked",
    "PROJECT_ARCHIVED": "project.archived",
    "PROJECT_TRASHED": "project.trashed",
    "PROJECT_RESTORED": "project.restored",
}
EVENT_NAMES: list[str] = list(EVENTS_FROM_AUDIT.values())

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MESSAGE_ID_PREFIX = "msg_"
USER_AGENT = "Percus-Webhooks/1.0"
MAX_ENDPOINTS_PER_ORGANIZATION = 20


class EndpointStatus(models.TextChoices):
    ACTIVE = "active"
    FAILING = "failing"  # a delivery exhausted its retries; back to active on the next success


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # retried for the whole window (24 h) without a 2xx
