"""Enumerations of the shares app."""

from django.db import models


class Channel(models.TextChoices):
    DEV = "DEV", "DEV"
    STAGING = "STAGING", "STAGING"
    PROD = "PROD", "PROD"


#: The order channels are listed in (promotion order).
CHANNEL_ORDER = [Channel.DEV, Channel.STAGING, Channel.PROD]


class DeployStatus(models.TextChoices):
    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    EXPIRED = "Expired"


#: A deploy request not decided within this many days expires.
DEPLOY_REQUEST_TTL_DAYS = 7


class ShareStatus(models.TextChoices):
    ENABLED = "Enabled"
    DISABLED = "Disabled"


MIN_SHARE_PASSWORD_LENGTH = 8
MAX_SHARE_PASSWORD_LENGTH = 128
MAX_TITLE_LENGTH = 160
MAX_SUBTITLE_LENGTH = 280
MAX_CTA_LABEL_LENGTH = 80
MAX_CTA_URL_LENGTH = 2000
MAX_PERSONALIZATION_BYTES = 16 * 1024  # serialized as compact UTF-8 JSON
