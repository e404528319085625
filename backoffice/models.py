"""The core of the product: who people are, where they belong, how they authenticate, and
what they did (audit events)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import capfirst

from .actors import Actor
from .roles import Role

LAST_USED_RESOLUTION = timedelta(minutes=1)


class TimeStampedModel(models.Model):
    """Base for domain models: a UUID primary key and creation/update times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager["User"]):
    """Users log in by e-mail, which is unique whatever its case."""

    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).strip(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, status=User.Status.ACTIVE)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Superusers are the system ``Owner`` (Percus staff)."""

    class Status(models.TextChoices):
        PENDING = "Pending"
        ACTIVE = "Active"
        DEACTIVATED = "Deactivated"
        SUSPENDED = "Suspended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the staff admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Only ``Active`` users can authenticate, by any means."""
        return self.status == self.Status.ACTIVE

    @property
    def is_owner(self) -> bool:
        return self.is_superuser

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email


class Organization(TimeStampedModel):
    """A tenant: a bank or insurer. Everything else belongs to exactly one."""

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=80, unique=True)
    default_locale = models.CharField(max_length=35, default="en-US")
    require_prod_approval = models.BooleanField(
        default=False,
        help_text="Publishing to PROD needs a second ProjectManager+ to approve (four eyes).",
    )
    members = models.ManyToManyField(
        User, through="Membership", through_fields=("organization", "user"), related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def role_for(self, user: "User") -> Role | None:
        """The user's role here: their active membership's, or ``OrganizationAdmin`` for the
        system Owner. None means the organization is invisible to them."""
        from .permissions import org_role

        return org_role(user, self)


class Membership(TimeStampedModel):
    """A user's role in one organization. A deactivated membership grants nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_org"
            ),
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} in {self.organization} as {self.role_label}"

    @property
    def role_label(self) -> str:
        """The role as people read it ("Organization admin"), not its code."""
        return (
            capfirst(str(Role(self.role).label).lower()) if self.role in Role.values else self.role
        )

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


class ApiToken(TimeStampedModel):
    """A personal API token. Only its public ``prefix`` and an HMAC digest are stored."""

    class Scope(models.TextChoices):
        READ = "read"
        WRITE = "write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=24, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.WRITE)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at", "-id"])]
        verbose_name = "personal API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired and self.user.is_active

    def as_actor(self) -> Actor:
        return Actor(
            kind="token", user=self.user, ref_id=self.id, label=f"{self.user} ({self.prefix})"
        )


class Invitation(TimeStampedModel):
    """An invitation to join an organization with a role, accepted by a single-use link.

    The link's token is stored only as an HMAC digest. Resending replaces the token and the
    expiry on the same row, so a person never has two open invitations to one organization.

    With ``project_id`` it invites a **guest** to that one project of the organization
    (SPEC §16): accepting gives a project grant of ``role`` (at most Developer), never a
    membership. ``project_id`` is a plain column, as in ``AuditEvent``: the core app sits
    below ``projects``; ``collaboration`` gives the grant (``signals.project_invitation_accepted``).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", editable=False
    )
    expires_at = models.DateTimeField()
    sent_count = models.PositiveIntegerField(default=1)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    project_id = models.UUIDField(
        null=True, blank=True, editable=False, help_text="A guest invitation to this project."
    )
    project_name = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, project_id__isnull=True
                ),
                name="invitation_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=["project_id", "user"],
                condition=models.Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, project_id__isnull=False
                ),
                name="guest_invitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} → {self.organization}"

    @property
    def for_guest(self) -> bool:
        return self.project_id is not None

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class AuditEvent(models.Model):
    """Something privileged that happened, written by the service that did it, in the same
    transaction, and never edited afterwards.

    ``project_id`` is a plain indexed column rather than a foreign key: the core app sits
    below ``projects``, and an audit trail must outlive what it describes.
    """

    class ActorKind(models.TextChoices):
        USER = "user"
        TOKEN = "token"
        CREDENTIAL = "credential"
        SYSTEM = "system"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    event_type = models.CharField(max_length=40)
    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    project_id = models.UUIDField(null=True, blank=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_id = models.UUIDField(null=True, blank=True, help_text="The token or credential.")
    actor_label = models.CharField(max_length=254, blank=True)
    targets = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    changes = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["organization", "-created_at", "-id"]),
            models.Index(fields=["project_id", "-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        what = capfirst(self.event_type.replace("_", " ").lower())
        return f"{what} by {self.actor_name}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Audit events are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are never deleted one by one.")

    @property
    def actor_name(self) -> str:
        """Who acted, in words: a person by the name they go by, "the load_demo_data
        command", "the API credential pk_…", "the system"."""
        if self.actor_user_id is not None:
            user = self.actor_user
            return user.display_name or user.email
        label = self.actor_label or ""
        if label.startswith("command:"):
            return f"the {label.partition(':')[2]} command"
        if self.actor_kind == self.ActorKind.CREDENTIAL:
            return f"the API credential {label}".strip()
        return f"the system ({label})" if label else "the system"
