"""Enumerations of API credentials."""

from django.db import models

#: The distribution channels a credential may be restricted to. They are the names of
#: ``shares.constants.Channel``, repeated here because credentials sit below shares.
CHANNEL_NAMES = ("DEV", "STAGING", "PROD")

API_KEY_PREFIX = "pk"
SECRET_PREFIX = "sk"
API_KEY_LENGTH = 24  # base62 characters after "pk_"
SECRET_LENGTH = 43  # base62 characters after "sk_": ≥ 256 bits, over the 32 random bytes asked


class Status(models.TextChoices):
    ACTIVE = "active"
    REVOKED = "revoked"
