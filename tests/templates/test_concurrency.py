"""Concurrent retries of one upload with one Idempotency-Key, on real PostgreSQL."""

import pytest

from backoffice.actors import Actor
from backoffice.roles import Role
from templates.models import IdempotencyRecord, Template
from templates.services import template_upload
from tests.backoffice.factories import OrganizationFactory, member
from tests.concurrency import run_together
from tests.projects.factories import make_project
from tests.templates.helpers import fixture_file, stored_files

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_template(media_root):
    organization = OrganizationFactory()
    project = make_project(organization)
    actor = Actor.for_user(member(organization, Role.DEVELOPER))
    outcomes = run_together(
        lambda: template_upload(
            actor=actor,
            project=project,
            name="Welcome video",
            kind="LottieStandalone",
            template_json=fixture_file("lottie.json"),
            manifest_json=fixture_file("manifest.json"),
            idempotency_key="retry-me",
            respond=lambda template: {"id": str(template.pk)},
        ),
        THREADS,
    )
    template = Template.objects.get(project=project)
    assert {outcome.body["id"] for outcome in outcomes} == {str(template.pk)}
    assert sum(not outcome.replayed for outcome in outcomes) == 1
    assert IdempotencyRecord.objects.filter(project=project).count() == 1
    assert len(stored_files(media_root)) == 2
