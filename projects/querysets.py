"""Reusable project filters. ``visible_to`` is the one visibility rule, as a single SQL query
with ``EXISTS`` subqueries over memberships and the direct-FK grant tables: no permission is
loaded row by row, and no id list is built in Python."""

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q

from backoffice.models import Membership, User
from backoffice.permissions import is_credential
from backoffice.roles import Role

from .constants import Visibility


class ProjectQuerySet(models.QuerySet):
    def live(self) -> "ProjectQuerySet":
        return self.filter(trashed_at__isnull=True)

    def trashed(self) -> "ProjectQuerySet":
        return self.filter(trashed_at__isnull=False)

    def visible_to(self, user: User) -> "ProjectQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_credential(user):
            return self.filter(pk=user.project_id)  # an API credential: its project only
        if user.is_owner:
            return self
        from .models import ProjectGroupObjectPermission, ProjectUserObjectPermission

        memberships = Membership.objects.filter(
            user=user, organization=OuterRef("organization_id"), deactivated_at__isnull=True
        )
        is_member = Exists(memberships)
        is_admin = Exists(memberships.filter(role=Role.ORGANIZATION_ADMIN))
        user_grant = Exists(
            ProjectUserObjectPermission.objects.filter(content_object=OuterRef("pk"), user=user)
        )
        group_grant = Exists(
            ProjectGroupObjectPermission.objects.filter(
                content_object=OuterRef("pk"), group__user=user
            )
        )
        # Deactivation takes away everything in that organization, grants included.
        was_member = Exists(
            Membership.objects.filter(
                user=user, organization=OuterRef("organization_id"), deactivated_at__isnull=False
            )
        )
        return self.filter(
            (is_member & (Q(visibility=Visibility.ORGANIZATION) | Q(created_by=user)))
            | is_admin
            | ((user_grant | group_grant) & ~was_member)
        )

    def with_annotations(self) -> "ProjectQuerySet":
        """Add the annotations apps above registered (``signals.list_annotations``)."""
        from .signals import list_annotations

        return self.annotate(**{name: make() for name, make in list_annotations.items()})

    def with_tag(self, tag: str) -> "ProjectQuerySet":
        tag = tag.strip().lower()
        if connection.vendor == "postgresql":
            return self.filter(tags__contains=[tag])  # served by the GIN index
        return self.filter(tags__icontains=f'"{tag}"')  # SQLite stores the list as JSON text

    def search(self, text: str) -> "ProjectQuerySet":
        return self.filter(
            Q(name__icontains=text)
            | Q(slug__icontains=text)
            | Q(job_code__icontains=text)
            | Q(description__icontains=text)
        )


def fill_annotations(project):
    """Give a project loaded without them (e.g. returned by a service) the registered
    annotations, in one query."""
    from .models import Project
    from .signals import list_annotations

    missing = {n: make() for n, make in list_annotations.items() if not hasattr(project, n)}
    if missing:
        values = Project.objects.filter(pk=project.pk).annotate(**missing).values(*missing)
        for name, value in (values.first() or {}).items():
            setattr(project, name, value)
    return project
