"""Who may see and do what on a project (SPEC §3), defined once.

The rule. The system Owner is ``OrganizationAdmin`` on every project; an API credential is
``Viewer`` on its own project and nothing elsewhere. Anyone else holds the higher of their
active organization role and their project grants (direct, or through a user group) on a
project they can see: an ``OrganizationAdmin`` sees every project of the organization, another
member the projects of visibility ``Organization``, those they created and those they hold a
grant on, and a grant alone (a guest) shows the one project. A guest (no active membership in
the project's organization) holds at most ``GUEST_ROLE_CAP`` whatever the grant says (SPEC
§16). A deactivated membership takes away everything in that organization, grants included.

``holds(user, role)`` writes the rule as a condition on projects; everything is derived from it:

- ``restrict(projects, user, perm)``: the projects where the user may do ``perm`` (they hold
  the least role allowing it) — the filter of every list, the API's scoping and the admin's
  querysets. It stays inside the one list query: the organization part as
  ``organization_id IN (…)`` lists from the roles the request loads anyway, the grants as an
  ``EXISTS`` probe of the direct-FK grant tables for each row the query reads
  (``GrantedTo``), nothing loaded row by row into Python.
- ``role_on(user, project)``: the per-object answer, the same condition evaluated on the one
  row (the highest role whose condition it meets): one query, none when the organization
  role alone decides. The API's object checks, the admin's ``has_*_permission`` and actions,
  and the services ask it.
- ``audience_role(…)``: the answer for many users of one project at once (``all-users``,
  ``members``), from facts loaded in a constant number of queries. It is the same rule
  evaluated in Python over those facts; ``tests/security/test_access_properties.py`` builds
  random organizations and proves the three agree for every user, project and permission.
"""

from collections.abc import Iterable
from uuid import UUID

from django.db import connection
from django.db.models import BooleanField, Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Expression, RawSQL

from backoffice.models import Membership, User
from backoffice.permissions import active_org_roles, is_credential, org_role
from backoffice.roles import (
    GUEST_ROLE_CAP,
    ROLE_ORDER,
    Perm,
    Role,
    as_guest,
    least_role_for,
    role_allows,
)

from .constants import GRANTABLE_ROLES, Visibility, grant_codename

NOTHING = Q(pk__in=[])


def _db_id(user: User):
    """The user's id as the database stores it (raw SQL gets no field conversion; SQLite
    keeps UUIDs as text)."""
    return User._meta.pk.get_db_prep_value(user.pk, connection)


def granted(user: User, roles: Iterable[Role] = GRANTABLE_ROLES) -> RawSQL:
    """The ids of the projects granted to the user with one of ``roles``, directly or
    through a group. Written as SQL because it is part of every list query: building and
    compiling it as querysets cost a request more than running it."""
    from django.contrib.auth.models import Permission

    from .models import ProjectGroupObjectPermission, ProjectUserObjectPermission

    user_id = _db_id(user)
    roles = list(roles)
    if set(roles) >= set(GRANTABLE_ROLES):
        sql = f"""
            SELECT "content_object_id" FROM "{ProjectUserObjectPermission._meta.db_table}"
            WHERE "user_id" = %s
            UNION ALL
            SELECT g."content_object_id" FROM "{ProjectGroupObjectPermission._meta.db_table}" g
            JOIN "{User.groups.through._meta.db_table}" ug ON ug."group_id" = g."group_id"
            WHERE ug."user_id" = %s
        """  # noqa: S608 - only the models' own table names are interpolated
        return RawSQL(sql, (user_id, user_id))  # noqa: S611 - the user id is a parameter
    # Only some roles: the grant's permission row names the role by its codename.
    codenames = tuple(grant_codename(role) for role in roles)
    marks = ", ".join(["%s"] * len(codenames))
    permissions = f"""
        SELECT "id" FROM "{Permission._meta.db_table}" WHERE "codename" IN ({marks})
    """  # noqa: S608 - placeholders only
    sql = f"""
        SELECT "content_object_id" FROM "{ProjectUserObjectPermission._meta.db_table}"
        WHERE "user_id" = %s AND "permission_id" IN ({permissions})
        UNION ALL
        SELECT g."content_object_id" FROM "{ProjectGroupObjectPermission._meta.db_table}" g
        JOIN "{User.groups.through._meta.db_table}" ug ON ug."group_id" = g."group_id"
        WHERE ug."user_id" = %s AND g."permission_id" IN ({permissions})
    """  # noqa: S608 - only the models' own table names are interpolated
    params = (user_id, *codenames, user_id, *codenames)
    return RawSQL(sql, params)  # noqa: S611 - values are parameters


class GrantedTo(Expression):
    """The project (``pk`` of the query's project row) is granted to the user with one of
    ``roles``, directly or through a group: ``EXISTS`` on the grant tables, probed by the
    project's id (their ``(content_object_id, …)`` indexes). A condition on each row the
    query reads, so a list walking its ordering index for a page tests only the rows it
    reads. Written as one ``EXISTS`` over a ``UNION ALL``, which PostgreSQL cannot turn into
    a hash of every grant of the user: ``pk IN (granted)`` built one of 50 000 grants for a
    first page of 30 (bench, guest at 1 000 000 projects)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, user: User, roles: Iterable[Role] = GRANTABLE_ROLES) -> None:
        super().__init__()
        self.user, self.roles = user, list(roles)
        self.project = F("pk")

    def get_source_expressions(self):
        return [self.project]

    def set_source_expressions(self, exprs) -> None:
        (self.project,) = exprs

    def as_sql(self, compiler, connection):
        from django.contrib.auth.models import Permission

        from .models import ProjectGroupObjectPermission, ProjectUserObjectPermission

        project, project_params = compiler.compile(self.project)
        user_id = _db_id(self.user)
        user_only = group_only = ""
        only_params: tuple = ()
        if not set(self.roles) >= set(GRANTABLE_ROLES):
            # Only some roles: the grant's permission row names the role by its codename.
            codenames = tuple(grant_codename(role) for role in self.roles)
            marks = ", ".join(["%s"] * len(codenames))
            permissions = (
                f'SELECT "id" FROM "{Permission._meta.db_table}" WHERE "codename" IN ({marks})'  # noqa: S608 - placeholders only
            )
            user_only = f' AND "permission_id" IN ({permissions})'
            group_only = f' AND g."permission_id" IN ({permissions})'
            only_params = codenames
        user_grants = ProjectUserObjectPermission._meta.db_table
        group_grants = ProjectGroupObjectPermission._meta.db_table
        sql = f"""EXISTS (
            SELECT 1 FROM "{user_grants}"
            WHERE "content_object_id" = {project} AND "user_id" = %s{user_only}
            UNION ALL
            SELECT 1 FROM "{group_grants}" g
            JOIN "{User.groups.through._meta.db_table}" ug ON ug."group_id" = g."group_id"
            WHERE g."content_object_id" = {project} AND ug."user_id" = %s{group_only}
        )"""  # noqa: S608 - only table names and Django's own column SQL are interpolated
        params = (*project_params, user_id, *only_params, *project_params, user_id, *only_params)
        return sql, params


def left_organizations(user: User) -> RawSQL:
    """The organizations where the user's membership is deactivated."""
    sql = f"""
        SELECT "organization_id" FROM "{Membership._meta.db_table}"
        WHERE "user_id" = %s AND "deactivated_at" IS NOT NULL
    """  # noqa: S608 - only the model's own table name is interpolated
    return RawSQL(sql, (_db_id(user),))  # noqa: S611 - the user id is a parameter


class Holds:
    """The rule for one user and one role, in its two parts: by organization role and by
    grant (``count_capped`` counts them apart). ``everything`` for the Owner."""

    def __init__(self, user: User, role: Role) -> None:
        self.everything = False
        self.by_grant: Q | None = None
        self.granted: RawSQL | None = None
        self.left: RawSQL | None = None
        self.admin_of: list[UUID] = []
        if not user.is_authenticated or not user.is_active:
            self.by_role = NOTHING
            return
        if is_credential(user):
            self.by_role = Q(pk=user.project_id) if role == Role.VIEWER else NOTHING
            return
        if user.is_owner:
            self.everything, self.by_role = True, Q()
            return
        # The organization part comes from the roles the request loads anyway (cached on
        # the user), as plain ``organization_id IN (…)`` lists the indexes serve.
        member_of = []
        active = active_org_roles(user)
        for org_id, org_role_ in active.items():
            if org_role_ == Role.ORGANIZATION_ADMIN:
                self.admin_of.append(org_id)
            elif org_role_.rank >= role.rank:
                member_of.append(org_id)
        seen = Q(visibility=Visibility.ORGANIZATION) | Q(created_by=user)
        enough = [grantable for grantable in GRANTABLE_ROLES if grantable.rank >= role.rank]
        if member_of and len(enough) < len(GRANTABLE_ROLES):
            seen |= Q(GrantedTo(user))  # a lower grant shows a Private project
        self.by_role = Q(organization_id__in=self.admin_of) | Q(seen, organization_id__in=member_of)
        if enough:
            # Deactivation takes away everything in that organization, grants included.
            self.granted, self.left = granted(user, enough), left_organizations(user)
            self.by_grant = Q(GrantedTo(user, enough)) & ~Q(organization_id__in=self.left)
            if role.rank > GUEST_ROLE_CAP.rank:
                # Above a guest's cap a grant counts only inside one's own organizations.
                self.by_grant &= Q(organization_id__in=list(active))
                self.granted = None  # the grant part is no longer ``granted`` alone

    @property
    def condition(self) -> Q:
        return self.by_role | self.by_grant if self.by_grant is not None else self.by_role


def holds(user: User, role: Role) -> Q:
    """The projects on which the user holds ``role`` or higher, as a condition."""
    return Holds(user, role).condition


def restrict(projects: QuerySet, user: User, perm: Perm = Perm.VIEW) -> QuerySet:
    """``projects`` narrowed to those where the user may do ``perm``."""
    return projects.filter(holds(user, least_role_for(perm)))


def role_on(user: User, project) -> Role | None:
    """The user's effective role on the project, None when it is invisible to them."""
    if not user.is_authenticated or not user.is_active:
        return None
    if is_credential(user):
        return Role.VIEWER if user.project_id == project.pk else None
    role = org_role(user, project.organization_id)
    if user.is_owner or role == Role.ORGANIZATION_ADMIN:
        return role  # the organization part alone decides: no grant goes higher
    from .models import Project

    ranks = [
        When(holds(user, candidate), then=Value(candidate.rank))
        for candidate in reversed(ROLE_ORDER)
    ]
    rank = (
        Project.objects.filter(pk=project.pk)
        .annotate(rank=Case(*ranks, default=Value(-1), output_field=IntegerField()))
        .values_list("rank", flat=True)
        .first()
    )
    return ROLE_ORDER[rank] if rank is not None and rank >= 0 else None


def delete_perm(user: User, project) -> Perm:
    """What deleting the project needs: ``administer_projects``, except for its creator, for
    whom seeing it is enough (SPEC §4)."""
    if getattr(user, "pk", None) is not None and project.created_by_id == user.pk:
        return Perm.VIEW
    return Perm.ADMINISTER_PROJECTS


def deletable(projects: QuerySet, user: User) -> QuerySet:
    """``projects`` narrowed to those the user may delete (the list form of ``delete_perm``)."""
    administered = restrict(projects, user, Perm.ADMINISTER_PROJECTS)
    if getattr(user, "pk", None) is None:
        return administered
    return administered | restrict(projects, user, Perm.VIEW).filter(created_by=user)


def allows(user: User, perm: Perm, project) -> bool:
    return role_allows(role_on(user, project), perm)


def may_somewhere(user: User, perm: Perm) -> bool:
    """Whether the user may do ``perm`` on at least one project (e.g. whether the admin
    offers an action at all); the answer for each object is still ``allows``."""
    from .models import Project

    cache = getattr(user, "_may_somewhere", None)
    if cache is None:
        cache = user._may_somewhere = {}
    if perm not in cache:
        cache[perm] = restrict(Project.objects.all(), user, perm).exists()
    return cache[perm]


def audience_role(
    *,
    organization_role: Role | None,
    grant_roles: Iterable[Role],
    project,
    user_id: UUID,
) -> Role | None:
    """The rule for one user of the project, from facts already loaded (their active
    organization role there, and the roles of their grants, none if that membership is
    deactivated)."""
    grant_roles = list(grant_roles)
    if organization_role is None:
        grant_roles = [as_guest(role) for role in grant_roles]
    if organization_role == Role.ORGANIZATION_ADMIN:
        return organization_role
    hidden = (
        organization_role is not None
        and project.visibility == Visibility.PRIVATE
        and project.created_by_id != user_id
    )
    if hidden and not grant_roles:
        return None
    return Role.highest(organization_role, *grant_roles)
