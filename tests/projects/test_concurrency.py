"""Concurrent creates on real PostgreSQL: the slug is generated race-free."""

import threading

import pytest
from django.db import connection

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from projects.models import Project
from projects.services import project_create
from tests.backoffice.factories import OrganizationFactory, member

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_name_get_distinct_slugs():
    organization = OrganizationFactory()
    actor = Actor.for_user(member(organization, Role.PROJECT_MANAGER))
    barrier = threading.Barrier(THREADS)
    slugs: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            barrier.wait(timeout=30)
            project = project_create(
                actor=actor, organization=organization, name="Crédito Pre-Aprobado Q2"
            )
            slugs.append(project.slug)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
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
