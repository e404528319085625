"""One lock and one writability rule for every service that changes a project's content:
an archived project is read-only (comments excepted), and so is one in the trash, whichever
door (API, admin, command) the change comes through."""

import pytest

from backoffice.actors import Actor
from backoffice.errors import Conflict
from credentials.services import credential_create
from projects.services import (
    project_activate,
    project_archive,
    project_set_visibility,
    project_trash,
    project_update,
)
from shares.services import channel_publish, share_upsert
from templates.services import template_archive
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")

CHANGES = {
    "update": lambda p, t: project_update(actor=SYSTEM, project=p, name="New name"),
    "visibility": lambda p, t: project_set_visibility(
        actor=SYSTEM, project=p, visibility="Private"
    ),
    "template": lambda p, t: template_archive(actor=SYSTEM, template=t),
    "publish": lambda p, t: channel_publish(
        actor=SYSTEM, project=p, channel="DEV", template_id=t.pk
    ),
    "share": lambda p, t: share_upsert(
        actor=SYSTEM, project=p, channel="DEV", fields={"public_title": "Offer"}
    ),
    "credential": lambda p, t: credential_create(actor=SYSTEM, project=p, name="CRM"),
}


@pytest.fixture
def project(org):
    return project_activate(actor=SYSTEM, project=make_project(org))


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_archived_project_refuses_every_change(project, change):
    template = make_template(project)
    project_archive(actor=SYSTEM, project=project)

    with pytest.raises(Conflict, match="archived project"):
        CHANGES[change](project, template)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_trashed_project_refuses_every_change(project, change):
    template = make_template(project)
    project_trash(actor=SYSTEM, project=project)

    with pytest.raises(Conflict, match="in the trash"):
        CHANGES[change](project, template)
