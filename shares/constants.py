"""Enumerations of the shares app."""

from django.db import models


class Channel(models.TextChoices):
    DEV = "DEV"
    STAGING = "STAGING"
    PROD = "PROD"


#: The order channels are listed in (promotion order).
CHANNEL_ORDER = [Channel.DEV, Channel.STAGING, Channel.PROD]
