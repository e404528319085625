"""The operator command ``archive_projects`` (SPEC §13). ``purge_trash`` is in test_trash.py;
both commands run twice at once in tests/reliability/test_commands_concurrently.py."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from projects.constants import Status
from projects.models import Project
from projects.services import project_activate, project_archive, project_trash
from shares.models import DistributionChannel
from shares.services import channel_publish
from tests.backoffice.factories import OrganizationFactory
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def idle(project: Project, days: int) -> None:
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now() - timedelta(days=days))


# archive_projects ----------------------------------------------------------------------------


def test_archive_by_id_and_slug_unpublishes_and_records(org, capsys):
    by_id = make_project(org, name="By id")
    by_slug = make_project(org, name="By slug")
    project_activate(actor=SYSTEM, project=by_id)
    template = make_template(by_id)
    channel_publish(actor=SYSTEM, project=by_id, channel="DEV", template_id=template.pk)

    call_command("archive_projects", str(by_id.pk), "by-slug")

    out = capsys.readouterr().out
    assert "Archived 2 projects; 0 skipped, 0 failed." in out
    assert "2/2" in out
    assert set(Project.objects.values_list("status", flat=True)) == {Status.ARCHIVED}
    assert not DistributionChannel.objects.filter(active_template__isnull=False).exists()
    events = AuditEvent.objects.filter(event_type="PROJECT_ARCHIVED", actor_kind="system")
    assert events.count() == 2
    assert by_slug.pk in set(events.values_list("project_id", flat=True))


def test_archive_inactive_projects_only(org):
    old_active = make_project(org, name="Old active")
    project_activate(actor=SYSTEM, project=old_active)
    old_draft = make_project(org, name="Old draft")
    recent = make_project(org, name="Recent")
    old_archived = make_project(org, name="Old archived")
    project_archive(actor=SYSTEM, project=old_archived)
    for project in (old_active, old_draft, old_archived):
        idle(project, 40)

    call_command("archive_projects", "--inactive-days", "30")

    statuses = dict(Project.objects.values_list("name", "status"))
    assert statuses == {
        "Old active": Status.ARCHIVED,
        "Old draft": Status.ARCHIVED,
        "Recent": Status.DRAFT,
        "Old archived": Status.ARCHIVED,
    }
    assert recent.pk


def test_archive_inactive_limited_to_one_organization(org):
    other = OrganizationFactory(slug="elsewhere")
    mine, theirs = make_project(org, name="Mine"), make_project(other, name="Theirs")
    idle(mine, 40)
    idle(theirs, 40)
    call_command("archive_projects", "--inactive-days", "30", "--org", org.slug)
    assert Project.objects.get(pk=mine.pk).status == Status.ARCHIVED
    assert Project.objects.get(pk=theirs.pk).status == Status.DRAFT


def test_archive_dry_run_changes_nothing(org, capsys):
    project = make_project(org)
    idle(project, 40)
    call_command("archive_projects", "--inactive-days", "30", "--dry-run")
    out = capsys.readouterr().out
    assert "Would archive 1 project;" in out
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT
    assert not AuditEvent.objects.filter(event_type="PROJECT_ARCHIVED").exists()


def test_archive_skips_trashed_projects(org):
    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    idle(project, 40)
    call_command("archive_projects", "--inactive-days", "30")
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["no-such-project"],
        ["--inactive-days", "0"],
        ["--inactive-days", "5", "--org", "no-such-org"],
        ["--inactive-days", "3000000"],  # was an OverflowError traceback
        ["--inactive-days", "36501"],
    ],
    ids=["nothing", "unknown-slug", "zero-days", "unknown-org", "huge-days", "over-the-bound"],
)
def test_archive_bad_input_is_a_command_error(org, args):
    make_project(org)
    with pytest.raises(CommandError):
        call_command("archive_projects", *args)
    assert not AuditEvent.objects.filter(event_type="PROJECT_ARCHIVED").exists()


def test_ambiguous_slug_needs_an_organization(org, other_org):
    make_project(org, name="Same")
    make_project(other_org, name="Same")
    with pytest.raises(CommandError, match="--org"):
        call_command("archive_projects", "same")
    call_command("archive_projects", "same", "--org", org.slug)
    assert Project.objects.filter(status=Status.ARCHIVED).count() == 1


def test_archive_reports_already_archived(org, capsys):
    project = make_project(org)
    project_archive(actor=SYSTEM, project=project)
    call_command("archive_projects", str(project.pk))
    captured = capsys.readouterr()
    assert "1 skipped" in captured.out
    assert "already archived" in captured.err
