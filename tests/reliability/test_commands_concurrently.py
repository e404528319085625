"""The operator commands are safe to run twice at once (SPEC §13, §14): two runs of
``purge_trash`` or of ``archive_projects`` started together, each on its own database
connection, share the work; every project is handled once, with exactly one audit event,
and neither run fails."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from projects.constants import Status
from projects.models import Project
from projects.services import project_activate, project_assign, project_trash
from shares.models import DistributionChannel
from shares.services import channel_publish
from tests.backoffice.factories import OrganizationFactory
from tests.concurrency import run_together
from tests.projects.factories import make_project
from tests.templates.helpers import make_template, stored_files

pytestmark = pytest.mark.django_db(transaction=True)

SYSTEM = Actor.system("tests")
PROJECTS = 12


def run_twice_at_once(*args: str) -> list[str]:
    """Run the command in two threads released together; returns each run's output."""

    def run() -> str:
        out = io.StringIO()
        call_command(*args, stdout=out, stderr=out)
        return out.getvalue()

    return run_together(run, 2)


def test_two_purges_at_once_purge_each_batch_once(media_root):
    organization = OrganizationFactory()
    roots = [make_project(organization, name=f"Old {n}") for n in range(PROJECTS)]
    child = project_assign(
        actor=SYSTEM, project=make_project(organization, name="Child"), parent=roots[0]
    )
    make_template(roots[1])
    for root in roots:
        project_trash(actor=SYSTEM, project=root)
    Project.objects.update(trashed_at=timezone.now() - timedelta(days=30))
    assert stored_files(media_root)

    outputs = run_twice_at_once("purge_trash")

    purged = [int(re.search(r"Purged (\d+) project", out).group(1)) for out in outputs]
    assert sum(purged) == PROJECTS + 1
    assert not Project.objects.exists()
    events = AuditEvent.objects.filter(event_type="PROJECT_PURGED")
    assert events.count() == PROJECTS + 1
    assert set(events.values_list("targets__0__id", flat=True)) == {
        str(project.pk) for project in [*roots, child]
    }
    assert stored_files(media_root) == []


def test_two_archive_runs_at_once_archive_each_project_once():
    organization = OrganizationFactory()
    projects = [make_project(organization, name=f"Idle {n}") for n in range(PROJECTS)]
    published = project_activate(actor=SYSTEM, project=projects[0])
    template = make_template(published)
    channel_publish(actor=SYSTEM, project=published, channel="DEV", template_id=template.pk)
    Project.objects.update(updated_at=timezone.now() - timedelta(days=40))

    outputs = run_twice_at_once("archive_projects", "--inactive-days", "30")

    archived = [int(re.search(r"Archived (\d+) project", out).group(1)) for out in outputs]
    assert sum(archived) == PROJECTS
    assert all("0 failed" in out for out in outputs)
    assert set(Project.objects.values_list("status", flat=True)) == {Status.ARCHIVED}
    events = AuditEvent.objects.filter(event_type="PROJECT_ARCHIVED")
    assert events.count() == PROJECTS
    assert set(events.values_list("project_id", flat=True)) == {p.pk for p in projects}
    assert AuditEvent.objects.filter(event_type="CHANNEL_UNPUBLISHED").count() == 1
    assert not DistributionChannel.objects.filter(active_template__isnull=False).exists()
