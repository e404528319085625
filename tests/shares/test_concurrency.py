"""Concurrent PROD publishes on real PostgreSQL: the project row lock serializes them."""

import threading

import pytest
from django.db import connection

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from projects.services import project_activate
from shares.models import DistributionChannel
from shares.services import channel_publish
from templates.constants import Status
from templates.models import Template
from tests.backoffice.factories import OrganizationFactory, member
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

THREADS = 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_prod_publishes_leave_one_production_template(media_root):
    organization = OrganizationFactory()
    actor = Actor.for_user(member(organization, Role.PROJECT_MANAGER))
    project = project_activate(actor=actor, project=make_project(organization))
    templates = [make_template(project, name=f"Variant {n}") for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def publish(template) -> None:
        try:
            barrier.wait(timeout=30)
            channel_publish(actor=actor, project=project, channel="PROD", template_id=template.pk)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(t,)) for t in templates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    production = Template.objects.filter(project=project, status=Status.PRODUCTION)
    assert production.count() == 1
    assert Template.objects.filter(project=project, status=Status.PREVIOUS).count() == THREADS - 1
    assert Template.objects.filter(project=project, was_production=True).count() == THREADS
    prod = DistributionChannel.objects.get(project=project, channel="PROD")
    assert prod.active_template_id == production.get().pk
    # The last publish event names the template the channel shows.
    last = AuditEvent.objects.filter(event_type="CHANNEL_PUBLISHED").order_by("-created_at").first()
    assert {"type": "template", "id": str(prod.active_template_id)}.items() <= next(
        item for item in last.targets if item["type"] == "template"
    ).items()
