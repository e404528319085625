"""Reusable project filters. ``visible_to`` is the one visibility rule, in the same SQL query
as the page: the organization part from the caller's roles (loaded once per request) as
``organization_id IN (…)`` lists the indexes serve, the grants as a subquery. No permission is
loaded row by row, and no list of project ids is built in Python."""

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL

from backoffice.models import Membership, User
from backoffice.permissions import active_org_roles, is_credential
from backoffice.roles import Role

from .constants import Visibility


def _db_id(user: User):
    """The user's id as the database stores it (raw SQL gets no field conversion; SQLite
    keeps UUIDs as text)."""
    return User._meta.pk.get_db_prep_value(user.pk, connection)


def _granted_ids(user: User) -> RawSQL:
    """The ids of the projects granted to the user, directly or through a group. Written
    as SQL because it is part of every list query: building and compiling it as querysets
    cost a request more than running it."""
    from .models import ProjectGroupObjectPermission, ProjectUserObjectPermission

    sql = f"""
        SELECT "content_object_id" FROM "{ProjectUserObjectPermission._meta.db_table}"
        WHERE "user_id" = %s
        UNION ALL
        SELECT g."content_object_id" FROM "{ProjectGroupObjectPermission._meta.db_table}" g
        JOIN "{User.groups.through._meta.db_table}" ug ON ug."group_id" = g."group_id"
        WHERE ug."user_id" = %s
    """  # noqa: S608 - only the models' own table names are interpolated
    user_id = _db_id(user)
    return RawSQL(sql, (user_id, user_id))  # noqa: S611 - the user id is a parameter


def _left_organizations(user: User) -> RawSQL:
    """The organizations where the user's membership is deactivated."""
    sql = f"""
        SELECT "organization_id" FROM "{Membership._meta.db_table}"
        WHERE "user_id" = %s AND "deactivated_at" IS NOT NULL
    """  # noqa: S608 - only the model's own table name is interpolated
    return RawSQL(sql, (_db_id(user),))  # noqa: S611 - the user id is a parameter


class _AnyOf(Func):
    """``column = ANY(ARRAY(subquery))`` (PostgreSQL): the subquery runs once, and its array
    is looked up in the column's index (a bitmap index scan), whatever the planner's guess of
    its size. Only as a top-level condition: as a filter, each row searches the array."""

    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = models.BooleanField()


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
        # The organization part comes from the roles the request loads anyway (cached on the
        # user), as plain ``organization_id IN (…)`` lists the indexes serve.
        admin_of, member_of = [], []
        for org_id, role in active_org_roles(user).items():
            (admin_of if role == Role.ORGANIZATION_ADMIN else member_of).append(org_id)
        granted = _granted_ids(user)
        # Deactivation takes away everything in that organization, grants included.
        left = _left_organizations(user)
        by_role = Q(organization_id__in=admin_of) | Q(
            Q(visibility=Visibility.ORGANIZATION) | Q(created_by=user),
            organization_id__in=member_of,
        )
        by_grant = Q(pk__in=granted) & ~Q(organization_id__in=left)
        visible = self.filter(by_role | by_grant)
        # An organization admin's projects fill the capped count by themselves: the split
        # count (``count_capped``) would only cost them the building of a second query.
        visible._visibility = None if admin_of else (by_role, granted, left)
        return visible

    def _clone(self) -> "ProjectQuerySet":
        clone = super()._clone()
        clone._visibility = getattr(self, "_visibility", None)
        return clone

    def __or__(self, other: models.QuerySet) -> "ProjectQuerySet":
        combined = super().__or__(other)
        combined._visibility = None  # may hold rows outside the visibility: count plainly
        return combined

    def __xor__(self, other: models.QuerySet) -> "ProjectQuerySet":
        combined = super().__xor__(other)
        combined._visibility = None
        return combined

    def count_capped(self, cap: int) -> int:
        """``min(count, cap + 1)``, or more (any value above ``cap`` means "more than cap"),
        in one query. A visibility filter is an ``OR`` of the organization roles and the
        grants, which PostgreSQL can only check row by row over every project of the table;
        counted as two disjoint parts, each is served by an index (organization, or the
        grants looked up in the primary key), and the grants are skipped once the first part
        passes the cap. For a guest who sees 5% of 100 000 projects by grants, this replaces
        a scan of the whole table."""
        projects = self.order_by().values("pk")
        parts = getattr(self, "_visibility", None)
        if parts is None or connections[self.db].vendor != "postgresql":
            return projects[: cap + 1].count()
        by_role, granted, left = parts
        first = projects.filter(by_role)[: cap + 1]
        rest = (
            projects.filter(_AnyOf(F("pk"), granted))
            .exclude(organization_id__in=left)
            .exclude(by_role)[: cap + 1]
        )
        first_sql, first_params = self._count_sql(first, "role_part")
        rest_sql, rest_params = self._count_sql(rest, "grant_part")
        # The second count is an uncorrelated subquery (an InitPlan): PostgreSQL runs it only
        # when the ELSE branch needs it.
        sql = f"""
            SELECT CASE WHEN role.n > %s THEN role.n ELSE role.n + ({rest_sql}) END
            FROM ({first_sql}) AS role
        """  # noqa: S608 - only SQL Django compiled is interpolated; values are parameters
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, (cap, *rest_params, *first_params))
            return cursor.fetchone()[0]

    def _count_sql(self, part: "ProjectQuerySet", alias: str) -> tuple[str, tuple]:
        """``SELECT COUNT(*) AS n FROM (part)``, or ``SELECT 0`` when the part can match
        nothing (e.g. no organization role at all)."""
        try:
            sql, params = part.query.get_compiler(self.db).as_sql()
        except EmptyResultSet:
            return "SELECT 0 AS n", ()
        return f"SELECT COUNT(*) AS n FROM ({sql}) AS {alias}", tuple(params)  # noqa: S608

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
