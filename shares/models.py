"""Distribution channels (DEV, STAGING and PROD of every project, each showing at most one
template) and public video shares (at most one landing page per project and channel)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from backoffice.models import Organization, TimeStampedModel
from credentials.models import ApiCredential
from projects.models import Project
from templates.models import Template

from .constants import (
    MAX_CTA_LABEL_LENGTH,
    MAX_CTA_URL_LENGTH,
    MAX_SUBTITLE_LENGTH,
    MAX_TITLE_LENGTH,
    Channel,
    DeployStatus,
    ShareStatus,
)


def new_channel_handle() -> str:
    """A public, unguessable id (128 bits) for embedding a channel."""
    return secrets.token_urlsafe(16)


def new_share_slug() -> str:
    """The public slug of a share: 192 random bits, URL-safe (32 characters). It is the only
    secret of the landing page's URL."""
    return secrets.token_urlsafe(24)


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


class PublicVideoShare(TimeStampedModel):
    """The public landing page of one channel of a project. Changed only through
    ``shares.services`` (upsert, disable, restore, rotate the slug)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="public_video_shares"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    slug = models.CharField(max_length=64, unique=True, default=new_share_slug, editable=False)
    status = models.CharField(
        max_length=8, choices=ShareStatus.choices, default=ShareStatus.ENABLED
    )
    public_title = models.CharField(max_length=MAX_TITLE_LENGTH)
    public_subtitle = models.CharField(max_length=MAX_SUBTITLE_LENGTH, blank=True)
    locale = models.CharField(max_length=35, blank=True)
    cta_label = models.CharField("CTA label", max_length=MAX_CTA_LABEL_LENGTH, blank=True)
    cta_url = models.CharField("CTA URL", max_length=MAX_CTA_URL_LENGTH, blank=True)
    personalization_data = models.JSONField(default=dict, blank=True)
    api_credential = models.ForeignKey(
        ApiCredential,
        verbose_name="API credential",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="public_video_shares",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True, editable=False)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this, the landing page is 410 no longer available."
    )
    #: Django's password hash of the landing page's password; "" when it has none. The
    #: password itself is never stored nor sent back (``hasPassword``).
    password_hash = models.CharField(max_length=128, blank=True, editable=False)
    slug_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    slug_rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project_id", "channel"]  # no join to the project for ordering
        constraints = [
            models.UniqueConstraint(fields=["project", "channel"], name="share_unique_per_channel"),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="share_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ShareStatus.values), name="share_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(public_title=""), name="share_title_required"
            ),
            models.CheckConstraint(
                condition=(models.Q(cta_label="") & models.Q(cta_url=""))
                | (~models.Q(cta_label="") & ~models.Q(cta_url="")),
                name="share_cta_both_or_neither",
            ),
        ]

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def __str__(self) -> str:
        return f"{self.project} · {self.channel} share"

    @property
    def url(self) -> str:
        return f"{settings.PUBLIC_SITE_URL}/v/{self.slug}"

    @property
    def is_enabled(self) -> bool:
        return self.status == ShareStatus.ENABLED


class ShareDailyCount(models.Model):
    """Landing-page views and CTA clicks of one share on one day (UTC). Written only by
    ``shares.counting``: by the flush of the cache's pending counts, or directly when there
    is no shared cache."""

    share = models.ForeignKey(
        PublicVideoShare, on_delete=models.CASCADE, related_name="daily_counts"
    )
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)
    cta_clicks = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["share_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["share", "day"], name="share_daily_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.share_id} · {self.day}"


class ShareCountFlush(models.Model):
    """A batch of pending counts applied to ``ShareDailyCount``. Inserted in the same
    transaction as the batch's counts, so a batch is applied once however many flushes run
    it (the second waits on the unique key, then finds it taken)."""

    batch = models.CharField(max_length=40, primary_key=True)
    flushed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "share count flushes"

    def __str__(self) -> str:
        return self.batch


class OrganizationBranding(TimeStampedModel):
    """How an organization's landing pages look (SPEC §16): the name they show, a logo, a
    brand colour and the privacy-policy link of their footer. Changed only through
    ``shares.services`` (``branding_update``, ``branding_logo_set``/``_remove``)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="branding"
    )
    display_name = models.CharField(max_length=120, blank=True)
    brand_colour = models.CharField(max_length=7, blank=True)
    privacy_policy_url = models.CharField(max_length=MAX_CTA_URL_LENGTH, blank=True)
    #: Storage name of the logo, a PNG re-encoded by Pillow: ``org/<org>/branding/<hex>.png``.
    logo_path = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "organization brandings"

    def __str__(self) -> str:
        return f"{self.organization} branding"


class DeployRequest(TimeStampedModel):
    """A request to publish a template to PROD in an organization that requires approval
    (four eyes, SPEC §17): another ProjectManager+ approves — which publishes, in the same
    transaction — or rejects it. Undecided, it expires after ``DEPLOY_REQUEST_TTL_DAYS``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deploy_requests")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PROD)
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=DeployStatus.choices, default=DeployStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was rejected.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at", "-id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "channel"],
                condition=models.Q(status="Pending"),
                name="deploy_request_one_pending_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.channel} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.status == DeployStatus.PENDING and self.expires_at <= timezone.now()
