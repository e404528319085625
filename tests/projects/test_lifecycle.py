"""SPEC §16 "Lifecycle": ``Production`` is the template PROD serves, so unpublishing PROD or
archiving the project makes it ``Previous`` and an archived project can always be deleted and
purged; deleting a parent deletes its sub-projects, all or nothing."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from projects.models import Project
from projects.services import project_activate, project_archive, project_assign, project_trash
from shares.models import DistributionChannel
from shares.services import channel_publish
from templates.constants import Status
from templates.models import Template
from tests.projects.factories import make_project
from tests.projects.test_api import assert_problem
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def on_prod(org, name: str = "Campaign", parent: Project | None = None):
    """An Active project whose PROD channel serves a template (so it is ``Production``)."""
    project = project_activate(actor=SYSTEM, project=make_project(org, name=name))
    if parent is not None:
        project = project_assign(actor=SYSTEM, project=project, parent=parent)
    template = make_template(project, name=f"{name} template")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    template.refresh_from_db()
    assert template.status == Status.PRODUCTION
    return project, template


def status_of(template: Template) -> str:
    template.refresh_from_db()
    return template.status


# Production → Previous -----------------------------------------------------------------------


def test_unpublishing_prod_makes_the_template_previous(org, users, client_for):
    project, template = on_prod(org)

    response = client_for(users["ProjectManager"]).post(
        f"/api/Projects/{project.pk}/distribution-channels/PROD/unpublish"
    )

    assert response.status_code == 200, response.content
    assert status_of(template) == Status.PREVIOUS
    event = AuditEvent.objects.get(event_type="CHANNEL_UNPUBLISHED")
    assert event.changes["templateStatus"] == {"before": "Production", "after": "Previous"}


def test_unpublishing_another_channel_keeps_the_production_template(org, users, client_for):
    project, template = on_prod(org)
    channel_publish(actor=SYSTEM, project=project, channel="DEV", template_id=template.pk)

    response = client_for(users["ProjectManager"]).post(
        f"/api/Projects/{project.pk}/distribution-channels/DEV/unpublish"
    )

    assert response.status_code == 200, response.content
    assert status_of(template) == Status.PRODUCTION


def test_archiving_makes_the_production_template_previous(org, users, client_for):
    project, template = on_prod(org)

    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/archive")

    assert response.status_code == 200, response.content
    assert status_of(template) == Status.PREVIOUS
    assert template.was_production


def test_a_previous_template_goes_back_on_prod(org, users, client_for):
    project, template = on_prod(org)
    client = client_for(users["ProjectManager"])
    base = f"/api/Projects/{project.pk}/distribution-channels/PROD"
    client.post(f"{base}/unpublish")

    response = client.post(f"{base}/publish", {"templateId": str(template.pk)}, format="json")

    assert response.status_code == 200, response.content
    assert status_of(template) == Status.PRODUCTION


def test_an_archived_project_that_reached_prod_can_be_deleted(org, users, client_for):
    project, template = on_prod(org)
    client = client_for(users["OrganizationAdmin"])
    assert client.post(f"/api/Projects/{project.pk}/archive").status_code == 200

    response = client.delete(f"/api/Projects/{project.pk}")

    assert response.status_code == 204, response.content
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Template.objects.filter(pk=template.pk).exists()


def test_an_archived_project_that_reached_prod_is_purged(org, capsys):
    project, _ = on_prod(org)
    project_archive(actor=SYSTEM, project=project)
    project_trash(actor=SYSTEM, project=project)
    Project.objects.filter(pk=project.pk).update(trashed_at=timezone.now() - timedelta(days=30))

    call_command("purge_trash")

    assert "Purged 1 project in" in capsys.readouterr().out
    assert not Project.objects.filter(pk=project.pk).exists()


def test_the_migration_demotes_production_templates_prod_no_longer_serves(org):
    archived, stale = on_prod(org, "Archived before the rule")
    served_project, served = on_prod(org, "Still on PROD")
    # As archiving left it before the rule: channels unpublished, the template Production.
    project_archive(actor=SYSTEM, project=archived)
    Template.objects.filter(pk=stale.pk).update(status=Status.PRODUCTION)
    migration = importlib.import_module("shares.migrations.0005_production_is_what_prod_serves")

    migration.demote_unserved_production(apps, None)

    assert status_of(stale) == Status.PREVIOUS
    assert status_of(served) == Status.PRODUCTION
    assert DistributionChannel.objects.get(project=served_project, channel="PROD").active_template


# Deleting a parent ---------------------------------------------------------------------------


def test_deleting_a_parent_deletes_its_sub_projects(org, users, client_for):
    parent = make_project(org, name="Parent")
    child = project_assign(actor=SYSTEM, project=make_project(org, name="Child"), parent=parent)
    grandchild = project_assign(
        actor=SYSTEM, project=make_project(org, name="Grandchild"), parent=child
    )
    trashed = project_assign(
        actor=SYSTEM, project=make_project(org, name="Trashed child"), parent=parent
    )
    project_trash(actor=SYSTEM, project=trashed)
    other = make_project(org, name="Unrelated")

    response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{parent.pk}")

    assert response.status_code == 204, response.content
    assert list(Project.objects.values_list("pk", flat=True)) == [other.pk]
    deleted = AuditEvent.objects.filter(event_type="PROJECT_DELETED")
    assert {event.project_id for event in deleted} == {
        parent.pk,
        child.pk,
        grandchild.pk,
        trashed.pk,
    }


def test_a_sub_project_on_prod_blocks_the_whole_delete(org, users, client_for):
    parent = make_project(org, name="Parent")
    child = project_assign(actor=SYSTEM, project=make_project(org, name="Child"), parent=parent)
    blocker, _ = on_prod(org, "Live grandchild", parent=child)

    response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{parent.pk}")

    body = assert_problem(response, 409, "conflict")
    assert "Live grandchild" in body["detail"]
    assert Project.objects.filter(pk__in=[parent.pk, child.pk, blocker.pk]).count() == 3
    assert not AuditEvent.objects.filter(event_type="PROJECT_DELETED").exists()
