"""Reusable project filters. ``restrict(user, perm)`` (and ``visible_to``, its ``view``) is
the access rule of ``projects.access``, in the same SQL query as the page."""

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import AND, OR

from backoffice.models import User
from backoffice.roles import Perm, least_role_for

from .access import Holds


class _AnyOf(Func):
    """``column = ANY(ARRAY(subquery))`` (PostgreSQL): the subquery runs once, and its array
    is looked up in the column's index (a bitmap index scan), whatever the planner's guess of
    its size. Only as a top-level condition: as a filter, each row searches the array."""

    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = models.BooleanField()


#: Between the searched fields in ``SearchText``: a control character no search text holds
#: (``search`` does not use the index for one that does), so a match never spans two fields.
SEARCH_SEPARATOR = "\x1f"


class SearchText(Func):
    """The searched fields run together, ``name || sep || slug || sep || job_code || sep ||
    description``: the expression of the trigram index of migration 0007."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = models.TextField()

    def __init__(self) -> None:
        separator = Value(SEARCH_SEPARATOR, output_field=models.TextField())
        fields = [F("name"), F("slug"), F("job_code"), F("description")]
        parts = [fields[0]]
        for field in fields[1:]:
            parts += [separator, field]
        super().__init__(*parts)


#: From this offset on, a split visibility pages by ``page_keys``: below it, walking the
#: newest-first index reads fewer rows than taking every grant apart.
DEEP_OFFSET = 1_000


class ProjectQuerySet(models.QuerySet):
    def live(self) -> "ProjectQuerySet":
        return self.filter(trashed_at__isnull=True)

    def trashed(self) -> "ProjectQuerySet":
        return self.filter(trashed_at__isnull=False)

    def restrict(self, user: User, perm: Perm = Perm.VIEW) -> "ProjectQuerySet":
        """The projects where the user may do ``perm``: the rule of ``projects.access``."""
        rule = Holds(user, least_role_for(perm))
        if rule.everything:
            return self.all()
        restricted = self.filter(rule.condition)
        # Split into the rule's two halves for ``count_capped``: an organization admin's
        # half by role is then a count of the organization's live projects alone, read
        # from the live-projects index without the table (the grants are then skipped).
        split = rule.granted is not None
        where = restricted.query.where
        # Where the rule's condition sits among the query's conditions (filters added later
        # come after it), so the split parts can leave it out: each part is its own half of
        # the rule, and testing the whole rule again on each row would only cost a probe.
        node = len(where.children) - 1 if where.connector == AND and where.children else None
        admin = bool(rule.admin_of)
        restricted._visibility = (
            (rule.by_role, rule.granted, rule.left, node, admin) if split else None
        )
        return restricted

    def _without_rule(self) -> "ProjectQuerySet":
        """This queryset without the visibility rule's condition (its other filters kept),
        for the split parts, which are the rule's two halves; itself when that condition
        cannot be found as ``restrict`` left it."""
        node = self._visibility[3]
        base = self.all()
        base._visibility = None
        children = base.query.where.children
        if node is None or base.query.where.connector != AND or node >= len(children):
            return base
        rule = children[node]
        if getattr(rule, "connector", None) != OR or rule.negated:
            return base
        del children[node]
        return base

    def visible_to(self, user: User) -> "ProjectQuerySet":
        return self.restrict(user, Perm.VIEW)

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
        parts = getattr(self, "_visibility", None)
        if parts is None or connections[self.db].vendor != "postgresql":
            return self.order_by().values("pk")[: cap + 1].count()
        by_role, granted, left, _, _ = parts
        projects = self._without_rule().order_by().values("pk")
        first = projects.filter(by_role)[: cap + 1]
        rest = (
            projects.filter(_AnyOf(F("pk"), granted))
            .exclude(organization_id__in=left)
            .exclude(by_role)
        )
        first_sql, first_params = self._count_sql(first, "role_part")
        rest_sql, rest_params = self._rows_sql(rest)
        # The grants are counted only up to what the first part leaves to the cap (``LIMIT``
        # of an uncorrelated subquery on the CTE): a guest with 9 000 projects by role and
        # 50 000 by grant has 1 001 of them looked up, not 10 001. The second count is an
        # InitPlan: PostgreSQL runs it only when the ELSE branch needs it.
        sql = f"""
            WITH role AS ({first_sql})
            SELECT CASE WHEN role.n > %s THEN role.n ELSE role.n + (
                SELECT COUNT(*) FROM (
                    {rest_sql} LIMIT (SELECT GREATEST(%s - n, 0) FROM role)
                ) AS grant_part
            ) END
            FROM role
        """  # noqa: S608 - only SQL Django compiled is interpolated; values are parameters
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, (*first_params, cap, *rest_params, cap + 1))
            return cursor.fetchone()[0]

    def page_keys(self, offset: int, limit: int) -> RawSQL | None:
        """The primary keys of rows ``offset`` to ``offset + limit`` of a deep page, as a
        subquery, when the visibility is split as for ``count_capped`` (PostgreSQL, newest
        first); None to page as usual. Walking the newest-first index and testing each row
        reads ``offset / share`` rows: 600 000 for page 1 000 of a guest who sees 5% of a
        million projects by grants (2.9 s). Taken apart, the first ``offset + limit`` rows
        of each part come from its own index (the organization's, or the grants' ids looked
        up in the primary key) and are merged; the page's rows are then read by key."""
        parts = getattr(self, "_visibility", None)
        if parts is None or offset < DEEP_OFFSET or connections[self.db].vendor != "postgresql":
            return None
        if tuple(self.query.order_by or self.model._meta.ordering) != ("-created_at", "-id"):
            return None
        by_role, granted, left, _, admin = parts
        if admin:  # the organization's projects: its newest-first index serves any page
            return None
        keys = self._without_rule().values_list("pk", "created_at")
        first = keys.filter(by_role)[: offset + limit]
        rest = (
            keys.filter(_AnyOf(F("pk"), granted))
            .exclude(organization_id__in=left)
            .exclude(by_role)[: offset + limit]
        )
        nothing = "SELECT NULL::uuid, NULL::timestamptz WHERE FALSE"
        first_sql, first_params = self._rows_sql(first, nothing)
        rest_sql, rest_params = self._rows_sql(rest, nothing)
        sql = f"""
            SELECT page.id FROM (({first_sql}) UNION ALL ({rest_sql})) AS page (id, created_at)
            ORDER BY page.created_at DESC, page.id DESC OFFSET %s LIMIT %s
        """  # noqa: S608 - only SQL Django compiled is interpolated; values are parameters
        return RawSQL(sql, (*first_params, *rest_params, offset, limit))  # noqa: S611

    def _rows_sql(
        self, part: "ProjectQuerySet", nothing: str = "SELECT 1 WHERE FALSE"
    ) -> tuple[str, tuple]:
        """The part's SQL, or ``nothing`` (no row, the same columns) when the part can match
        nothing (e.g. no organization role at all)."""
        try:
            sql, params = part.query.get_compiler(self.db).as_sql()
        except EmptyResultSet:
            return nothing, ()
        return sql, tuple(params)

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
        """A substring of the name, slug, job code or description, whatever the case."""
        if connections[self.db].vendor == "postgresql" and SEARCH_SEPARATOR not in text:
            # The same rows: a text without the separator is in the fields run together
            # exactly when it is in one of them. One condition the trigram index serves,
            # with its own statistics (the planner then knows how many rows match).
            return self.alias(_search_text=SearchText()).filter(_search_text__icontains=text)
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
