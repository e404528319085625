"""API credentials: per-project key/secret pairs for embedding and server-to-server reads."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import TimeStampedModel
from projects.models import Project

from .constants import Status


class ApiCredentialQuerySet(models.QuerySet):
    def usable(self) -> "ApiCredentialQuerySet":
        """Not revoked, not expired, and of a live project."""
        now = timezone.now()
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
            revoked_at__isnull=True,
            project__trashed_at__isnull=True,
        )


class ApiCredential(TimeStampedModel):
    """A credential of one project. The public ``api_key`` is stored as it is; the secret only
    as an HMAC-SHA256 digest, and is shown once, when the credential is created."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(max_length=100, blank=True)
    api_key = models.CharField(max_length=40, unique=True, editable=False)
    secret_digest = models.CharField(max_length=64, editable=False)
    channels = models.JSONField(
        default=list, blank=True, help_text="Restrict to these channels; empty means all."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiCredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at", "-id"])]
        verbose_name = "API credential"

    def __str__(self) -> str:
        return f"{self.name or 'credential'} ({self.api_key})"

    @property
    def status(self) -> str:
        return Status.REVOKED if self.revoked_at else Status.ACTIVE

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired and self.project.trashed_at is None

    def allows_channel(self, channel: str) -> bool:
        return not self.channels or channel in self.channels

    def as_actor(self) -> Actor:
        return Actor(kind="credential", ref_id=self.id, label=self.api_key)
