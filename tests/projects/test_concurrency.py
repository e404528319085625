"""Concurrent creates on real PostgreSQL: the slug is generated race-free."""

import pytest

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from projects.models import Project
from projects.services import project_create
from tests.backoffice.factories import OrganizationFactory, member
from tests.concurrency import run_together

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_name_get_distinct_slugs():
    organization = OrganizationFactory()
    actor = Actor.for_user(member(organization, Role.PROJECT_MANAGER))
    projects = run_together(
        lambda: project_create(
            actor=actor, organization=organization, name="Crédito Pre-Aprobado Q2"
        ),
        THREADS,
    )
    slugs = [project.slug for project in projects]
    expected = {"credito-pre-aprobado-q2"} | {
        f"credito-pre-aprobado-q2-{n}" for n in range(2, THREADS + 1)
    }
    assert sorted(slugs) == sorted(expected)
    stored = Project.objects.filter(organization=organization)
    assert set(stored.values_list("slug", flat=True)) == expected
    assert stored.count() == THREADS
    assert (
        AuditEvent.objects.filter(organization=organization, event_type="PROJECT_CREATED").count()
        == THREADS
    )
