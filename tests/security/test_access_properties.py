"""The access rule (``projects.access``) gives one answer whichever way it is asked: random
organizations, roles, deactivated memberships, direct and group grants, guests, creators and
visibilities; for every user, project and permission, the list filter (``restrict``), the
per-object answer (``role_on``) and the audience of a project (``all-users``) agree, and all
three match SPEC §3 (and §16's cap on guests) as written below, independently of the code."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.models import Membership, Organization, User
from backoffice.permissions import forget_roles
from backoffice.roles import ROLE_ORDER, Perm, Role, role_allows
from collaboration.selectors import project_audience
from projects.access import role_on
from projects.constants import GRANTABLE_ROLES, Visibility, grant_codename
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission

pytestmark = pytest.mark.django_db(transaction=False)

USERS, ORGS, PROJECTS, GROUPS = 5, 2, 4, 2

roles = st.sampled_from(ROLE_ORDER)
grantable = st.sampled_from(GRANTABLE_ROLES)
membership = st.none() | st.tuples(roles, st.booleans())  # (role, deactivated)
world = st.fixed_dictionaries(
    {
        "owners": st.lists(st.booleans(), min_size=USERS, max_size=USERS),
        "inactive": st.lists(st.booleans(), min_size=USERS, max_size=USERS),
        "memberships": st.lists(
            st.lists(membership, min_size=ORGS, max_size=ORGS), min_size=USERS, max_size=USERS
        ),
        "projects": st.lists(
            st.tuples(
                st.integers(0, ORGS - 1),
                st.sampled_from(Visibility.values),
                st.none() | st.integers(0, USERS - 1),
            ),
            min_size=PROJECTS,
            max_size=PROJECTS,
        ),
        "groups": st.lists(
            st.sets(st.integers(0, USERS - 1), max_size=USERS), min_size=GROUPS, max_size=GROUPS
        ),
        "direct": st.dictionaries(
            st.tuples(st.integers(0, USERS - 1), st.integers(0, PROJECTS - 1)), grantable
        ),
        "by_group": st.dictionaries(
            st.tuples(st.integers(0, GROUPS - 1), st.integers(0, PROJECTS - 1)), grantable
        ),
    }
)


class _Rollback(Exception):
    pass


def build(spec: dict) -> tuple[list[User], list[Project]]:
    now = timezone.now()
    orgs = [Organization.objects.create(name=f"Org {i}", slug=f"org-{i}") for i in range(ORGS)]
    users = []
    for i in range(USERS):
        user = User.objects.create(
            email=f"u{i}@example.com",
            is_superuser=spec["owners"][i] and i == 0,  # at most one Owner
            status=User.Status.DEACTIVATED if spec["inactive"][i] else User.Status.ACTIVE,
        )
        users.append(user)
        for org, row in zip(orgs, spec["memberships"][i], strict=True):
            if row is not None:
                role, deactivated = row
                Membership.objects.create(
                    user=user,
                    organization=org,
                    role=role,
                    deactivated_at=now if deactivated else None,
                )
    projects = [
        Project.objects.create(
            organization=orgs[org],
            name=f"P{i}",
            slug=f"p{i}",
            visibility=visibility,
            created_by=users[creator] if creator is not None else None,
        )
        for i, (org, visibility, creator) in enumerate(spec["projects"])
    ]
    groups = []
    for i, members in enumerate(spec["groups"]):
        group = Group.objects.create(name=f"g{i}")
        group.user_set.set([users[m] for m in members])
        groups.append(group)
    permission = {r: Permission.objects.get(codename=grant_codename(r)) for r in GRANTABLE_ROLES}
    for (user, project), role in spec["direct"].items():
        ProjectUserObjectPermission.objects.create(
            user=users[user], content_object=projects[project], permission=permission[role]
        )
    for (group, project), role in spec["by_group"].items():
        ProjectGroupObjectPermission.objects.create(
            group=groups[group], content_object=projects[project], permission=permission[role]
        )
    return users, projects


def spec_role(spec: dict, user: int, project: int) -> Role | None:
    """SPEC §3 read literally, on the drawn facts."""
    if spec["inactive"][user]:
        return None
    if spec["owners"][user] and user == 0:
        return Role.ORGANIZATION_ADMIN
    org, visibility, creator = spec["projects"][project]
    row = spec["memberships"][user][org]
    if row is not None and row[1]:  # deactivated there: nothing in that organization
        return None
    org_role = row[0] if row is not None else None
    grants = [role for (u, p), role in spec["direct"].items() if (u, p) == (user, project)]
    grants += [
        role
        for (g, p), role in spec["by_group"].items()
        if p == project and user in spec["groups"][g]
    ]
    if org_role == Role.ORGANIZATION_ADMIN:
        return org_role
    if org_role is None:  # a guest: at most Developer (SPEC §16)
        grants = [Role.DEVELOPER if role == Role.PROJECT_MANAGER else role for role in grants]
    sees = bool(grants) or (
        org_role is not None and (visibility == Visibility.ORGANIZATION or creator == user)
    )
    return Role.highest(org_role, *grants) if sees else None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=world)
def test_filter_object_answer_and_audience_agree_with_the_spec(db, spec):
    try:
        with transaction.atomic():
            users, projects = build(spec)
            audiences = [
                {entry.user.pk: entry.role for entry in project_audience(project)}
                for project in projects
            ]
            for u, user in enumerate(users):
                forget_roles(user)
                expected = [spec_role(spec, u, p) for p in range(PROJECTS)]
                assert [role_on(user, project) for project in projects] == expected, u
                for perm in Perm:
                    listed = set(Project.objects.restrict(user, perm).values_list("pk", flat=True))
                    allowed = {
                        project.pk
                        for project, role in zip(projects, expected, strict=True)
                        if role_allows(role, perm)
                    }
                    assert listed == allowed, (u, perm)
                if not user.is_owner:
                    assert [audience.get(user.pk) for audience in audiences] == expected, u
            raise _Rollback
    except _Rollback:
        pass
