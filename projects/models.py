"""Projects: the campaign object, and the per-project grants (django-guardian, direct FKs)."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from backoffice.models import Membership, Organization, TimeStampedModel, User
from backoffice.permissions import is_credential
from backoffice.roles import Role

from .access import role_on
from .constants import GRANTABLE_ROLES, ROLE_BY_CODENAME, Status, Visibility, grant_codename
from .querysets import ProjectQuerySet


class Project(TimeStampedModel):
    """A campaign, e.g. "Credit Card Pre-Approval Q2". Its slug is derived from the name once,
    is unique in the organization among projects not in the trash, and never changes."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=280, editable=False)
    description = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.ORGANIZATION
    )
    job_code = models.CharField(max_length=20, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    locale = models.CharField(max_length=35, blank=True, help_text="Overrides the org default.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    trashed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The projects trashed together (a project and its sub-projects) share one batch, so a
    # restore brings back exactly what was trashed.
    trash_batch = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    # Storage names of the thumbnail renditions (empty when there is none): kept on the row so
    # lists show ``thumbnails`` without a query per project.
    thumbnail_small = models.CharField(max_length=500, blank=True, editable=False)
    thumbnail_medium = models.CharField(max_length=500, blank=True, editable=False)
    thumbnail_large = models.CharField(max_length=500, blank=True, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            (grant_codename(role), f"{role.label} on the project") for role in GRANTABLE_ROLES
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"],
                condition=models.Q(trashed_at__isnull=True),
                name="project_slug_unique_live",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="project_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values),
                name="project_visibility_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"]),
            models.Index(fields=["organization", "status"]),
            models.Index(
                fields=["trashed_at"],
                condition=models.Q(trashed_at__isnull=False),
                name="project_trashed_at_idx",
            ),
            # The capped count's half by role (``ProjectQuerySet.count_capped``): live
            # projects of the caller's organizations, with what the rule reads, from the
            # index alone (PostgreSQL; elsewhere the included columns are left out).
            models.Index(
                fields=["organization", "id"],
                include=["visibility", "created_by"],
                condition=models.Q(trashed_at__isnull=True),
                name="project_live_org_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_locale(self) -> str:
        return self.locale or self.organization.default_locale

    @property
    def thumbnail_paths(self) -> dict[str, str]:
        return {
            "small": self.thumbnail_small,
            "medium": self.thumbnail_medium,
            "large": self.thumbnail_large,
        }

    @property
    def is_archived(self) -> bool:
        return self.status == Status.ARCHIVED

    def role_for(self, user: User) -> Role | None:
        """The user's effective role here, None when the project is invisible to them: the
        rule of ``projects.access``."""
        return role_on(user, self)


def is_guest(user: User, project: Project) -> bool:
    """Someone from outside the project's organization: no membership there at all. (A
    deactivated member is no guest: their grants count again once they are reactivated.)
    The Owner and API credentials are never guests."""
    if user.is_owner or is_credential(user):
        return False
    return not Membership.objects.filter(
        user=user, organization_id=project.organization_id
    ).exists()


class ProjectUserObjectPermission(UserObjectPermissionBase):
    """A project grant to one user (guardian, direct foreign key)."""

    content_object = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "project grant to a user"
        verbose_name_plural = "project grants to users"
        # ``access.GrantedTo`` probes a project's grants by the project and the user (an
        # index-only lookup for each project a list reads); ``access.granted`` lists a
        # user's granted projects from the index alone (the split count, deep pages).
        indexes = [
            models.Index(fields=["content_object", "user"], name="project_user_grant_probe"),
            models.Index(fields=["user", "content_object"], name="project_user_grant_list"),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()}: {_role_of(self)} on {self.content_object}"


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    """A project grant to a user group (guardian, direct foreign key)."""

    content_object = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="group_grants"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "project grant to a group"
        verbose_name_plural = "project grants to groups"
        indexes = [
            models.Index(fields=["content_object", "group"], name="project_group_grant_probe"),
            models.Index(fields=["group", "content_object"], name="project_group_grant_list"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {_role_of(self)} on {self.content_object}"


def _role_of(grant) -> str:
    """A grant's role as people name it ("ProjectManager"), not guardian's codename."""
    codename = grant.permission.codename
    role = ROLE_BY_CODENAME.get(codename)
    return role.value if role is not None else codename
