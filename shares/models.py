"""Distribution channels: DEV, STAGING and PROD of every project, each showing at most one
template."""

import secrets

from django.conf import settings
from django.db import models

from backoffice.models import TimeStampedModel
from projects.models import Project
from templates.models import Template

from .constants import Channel


def new_channel_handle() -> str:
    """A public, unguessable id (128 bits) for embedding a channel."""
    return secrets.token_urlsafe(16)


class DistributionChannel(TimeStampedModel):
    """One of the three channels of a project. Created with the project; never deleted on
    its own."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="distribution_channels"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    active_template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="channels"
    )  # deleting a shown template is refused by the service; SET_NULL lets a project go
    channel_handle = models.CharField(
        max_length=32, unique=True, default=new_channel_handle, editable=False
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "channel"], name="channel_unique_per_project"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="channel_name_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.channel}"
