"""Distribution channels (SPEC §6): created with every project, listed, published and
unpublished with every rule; archiving a project unpublishes them."""

import importlib

import pytest
from django.apps import apps

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from projects.services import project_activate, project_archive, project_delete
from shares.models import DistributionChannel
from shares.services import channel_publish
from templates.constants import Status
from templates.models import Template
from tests.conftest import PRINCIPALS
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db

CODES = {401: "unauthenticated", 403: "insufficient_role", 404: "not_found"}


def row(*statuses: int) -> dict[str, int]:
    return dict(zip(PRINCIPALS, statuses, strict=True))


#              Viewer Dev  PM  Admin Owner other anon
MATRIX = {
    "list": row(200, 200, 200, 200, 200, 404, 401),
    "publish": row(403, 403, 200, 200, 200, 404, 401),
    "unpublish": row(403, 403, 200, 200, 200, 404, 401),
}


@pytest.fixture
def admin_actor(users):
    return Actor.for_user(users["OrganizationAdmin"])


@pytest.fixture
def project(org, admin_actor):
    project = make_project(org)
    return project_activate(actor=admin_actor, project=project)


@pytest.fixture
def template(project):
    return make_template(project, name="Welcome")


def base(project) -> str:
    return f"/api/Projects/{project.pk}/distribution-channels"


def publish(client, project, channel: str, template_id):
    return client.post(
        f"{base(project)}/{channel}/publish", {"templateId": str(template_id)}, format="json"
    )


# Created with the project --------------------------------------------------------------------


def test_every_project_gets_three_channels_with_unguessable_handles(org):
    project = make_project(org)

    channels = DistributionChannel.objects.filter(project=project)

    assert sorted(channels.values_list("channel", flat=True)) == ["DEV", "PROD", "STAGING"]
    handles = {channel.channel_handle for channel in channels}
    assert len(handles) == 3
    assert all(len(handle) >= 22 for handle in handles)


def test_data_migration_creates_channels_for_existing_projects(org):
    project = make_project(org)
    DistributionChannel.objects.filter(project=project).delete()
    migration = importlib.import_module("shares.migrations.0002_channels_for_existing_projects")

    migration.create_channels(apps, None)

    assert DistributionChannel.objects.filter(project=project).count() == 3


# Role matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "principal", "status"),
    [
        pytest.param(endpoint, principal, status, id=f"{endpoint}-{principal}")
        for endpoint, statuses in MATRIX.items()
        for principal, status in statuses.items()
    ],
)
def test_role_matrix(
    endpoint,
    principal,
    status,
    project,
    template,
    admin_actor,
    client_as,
):
    if endpoint == "unpublish":
        channel_publish(actor=admin_actor, project=project, channel="DEV", template_id=template.pk)
    client = client_as(principal)

    if endpoint == "list":
        response = client.get(base(project))
    elif endpoint == "publish":
        response = publish(client, project, "DEV", template.pk)
    else:
        response = client.post(f"{base(project)}/DEV/unpublish")

    assert response.status_code == status, response.content
    if status in CODES:
        assert response.json()["code"] == CODES[status]


# List --------------------------------------------------------------------------------------------


def test_list_is_a_plain_array_of_the_three(project, users, client_for):
    response = client_for(users["Viewer"]).get(base(project))

    assert response.status_code == 200
    body = response.json()
    assert [item["channel"] for item in body] == ["DEV", "STAGING", "PROD"]
    assert set(body[0]) == {
        "channel",
        "activeTemplateId",
        "activeTemplate",
        "channelHandle",
        "publishedBy",
        "publishedByName",
        "publishedAt",
    }


def test_list_works_by_slug(project, users, client_for):
    assert client_for(users["Viewer"]).get(base(project).replace(str(project.pk), project.slug))


LIST_QUERIES = 6


@pytest.mark.parametrize("published", [0, 3])
def test_list_query_count_is_constant(
    published, project, admin_actor, users, client_for, django_assert_num_queries
):
    for channel in ["DEV", "STAGING", "PROD"][:published]:
        template = make_template(project, name=channel)
        channel_publish(
            actor=admin_actor, project=project, channel=channel, template_id=template.pk
        )
    client = client_for(users["Viewer"])

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(base(project))

    assert sum(item["activeTemplate"] is not None for item in response.json()) == published


def test_project_detail_includes_the_channels(project, template, admin_actor, users, client_for):
    channel_publish(actor=admin_actor, project=project, channel="DEV", template_id=template.pk)

    body = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}").json()

    assert [item["channel"] for item in body["distributionChannels"]] == ["DEV", "STAGING", "PROD"]
    assert body["distributionChannels"][0]["activeTemplateId"] == str(template.pk)


# Publish rules ---------------------------------------------------------------------------------


def test_publish_to_dev_keeps_the_template_testing(project, template, users, client_for):
    response = publish(client_for(users["ProjectManager"]), project, "DEV", template.pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["activeTemplateId"] == str(template.pk)
    assert body["publishedBy"] == str(users["ProjectManager"].pk)
    assert body["publishedByName"] == users["ProjectManager"].display_name
    assert body["publishedAt"]
    template.refresh_from_db()
    assert template.status == Status.TESTING


def test_publish_to_prod_makes_production_and_moves_the_old_one_to_previous(
    project, users, client_for
):
    client = client_for(users["ProjectManager"])
    first = make_template(project, name="First")
    second = make_template(project, name="Second")

    assert publish(client, project, "PROD", first.pk).status_code == 200
    assert publish(client, project, "PROD", second.pk).status_code == 200

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.was_production) == (Status.PREVIOUS, True)
    assert (second.status, second.was_production) == (Status.PRODUCTION, True)
    prod = DistributionChannel.objects.get(project=project, channel="PROD")
    assert prod.active_template_id == second.pk


def test_the_current_production_template_can_be_republished(project, template, users, client_for):
    client = client_for(users["ProjectManager"])
    assert publish(client, project, "PROD", template.pk).status_code == 200

    assert publish(client, project, "PROD", template.pk).status_code == 200
    assert publish(client, project, "STAGING", template.pk).status_code == 200
    template.refresh_from_db()
    assert template.status == Status.PRODUCTION


def test_an_archived_template_cant_publish(project, template, users, client_for):
    Template.objects.filter(pk=template.pk).update(status=Status.ARCHIVED)

    response = publish(client_for(users["ProjectManager"]), project, "DEV", template.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_template_of_another_project_is_a_400_naming_template_id(org, project, users, client_for):
    foreign = make_template(make_project(org, name="Other"))

    response = publish(client_for(users["ProjectManager"]), project, "DEV", foreign.pk)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"templateId"}


def test_template_id_must_be_a_uuid(project, users, client_for):
    response = publish(client_for(users["ProjectManager"]), project, "DEV", "nope")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"templateId"}


def test_prod_needs_an_active_project(org, users, client_for):
    draft = make_project(org, name="Draft campaign")
    template = make_template(draft)
    client = client_for(users["ProjectManager"])

    response = publish(client, draft, "PROD", template.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert publish(client, draft, "DEV", template.pk).status_code == 200


def test_unknown_channel_is_a_404(project, template, users, client_for):
    response = publish(client_for(users["ProjectManager"]), project, "QA", template.pk)

    assert response.status_code == 404


def test_lower_case_channel_names_are_accepted(project, template, users, client_for):
    response = publish(client_for(users["ProjectManager"]), project, "dev", template.pk)

    assert response.status_code == 200
    assert response.json()["channel"] == "DEV"


def test_unpublish_of_prod_leaves_the_template_previous(project, template, users, client_for):
    client = client_for(users["ProjectManager"])
    publish(client, project, "PROD", template.pk)

    response = client.post(f"{base(project)}/PROD/unpublish")

    assert response.status_code == 200
    assert response.json()["activeTemplateId"] is None
    template.refresh_from_db()
    assert template.status == Status.PREVIOUS
    again = client.post(f"{base(project)}/PROD/unpublish")
    assert again.status_code == 409


def test_publish_and_unpublish_are_audited_with_template_and_channel(
    project, template, users, client_for
):
    client = client_for(users["ProjectManager"])
    publish(client, project, "STAGING", template.pk)
    client.post(f"{base(project)}/STAGING/unpublish")

    for event_type in ("CHANNEL_PUBLISHED", "CHANNEL_UNPUBLISHED"):
        event = AuditEvent.objects.get(event_type=event_type)
        kinds = {item["type"]: item["id"] for item in event.targets}
        assert kinds["template"] == str(template.pk)
        assert kinds["distributionchannel"] == str(
            DistributionChannel.objects.get(project=project, channel="STAGING").pk
        )
        assert event.project_id == project.pk


# Archive, delete, in-use ------------------------------------------------------------------------


def test_archive_unpublishes_all_channels(project, admin_actor, users, client_for):
    for channel in ("DEV", "STAGING", "PROD"):
        template = make_template(project, name=channel)
        channel_publish(
            actor=admin_actor, project=project, channel=channel, template_id=template.pk
        )

    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/archive")

    assert response.status_code == 200
    assert not DistributionChannel.objects.filter(
        project=project, active_template__isnull=False
    ).exists()
    assert AuditEvent.objects.filter(event_type="CHANNEL_UNPUBLISHED").count() == 3
    assert response.json()["distributionChannels"][2]["activeTemplateId"] is None


def test_an_archived_project_cant_publish(project, template, admin_actor, users, client_for):
    project_archive(actor=admin_actor, project=project)

    response = publish(client_for(users["ProjectManager"]), project, "DEV", template.pk)

    assert response.status_code == 409


def test_project_with_a_production_template_cant_be_deleted(
    project, template, admin_actor, users, client_for
):
    channel_publish(actor=admin_actor, project=project, channel="PROD", template_id=template.pk)

    response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{project.pk}")

    assert response.status_code == 409
    assert "Production" in response.json()["detail"]


def test_project_delete_takes_templates_channels_and_files(
    project, template, admin_actor, media_root, django_capture_on_commit_callbacks
):
    channel_publish(actor=admin_actor, project=project, channel="DEV", template_id=template.pk)

    with django_capture_on_commit_callbacks(execute=True):
        project_delete(actor=admin_actor, project=project)

    assert not Template.objects.exists()
    assert not DistributionChannel.objects.filter(project_id=project.pk).exists()
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


def test_a_published_template_cant_be_archived_or_deleted(
    project, template, admin_actor, users, client_for
):
    channel_publish(actor=admin_actor, project=project, channel="DEV", template_id=template.pk)
    client = client_for(users["OrganizationAdmin"])
    path = f"/api/Projects/{project.pk}/templates/{template.pk}"

    assert client.post(f"{path}/archive").status_code == 409
    assert client.delete(path).status_code == 409


def test_a_former_production_template_cant_be_deleted(project, admin_actor, users, client_for):
    first = make_template(project, name="First")
    second = make_template(project, name="Second")
    channel_publish(actor=admin_actor, project=project, channel="PROD", template_id=first.pk)
    channel_publish(actor=admin_actor, project=project, channel="PROD", template_id=second.pk)

    response = client_for(users["OrganizationAdmin"]).delete(
        f"/api/Projects/{project.pk}/templates/{first.pk}"
    )

    assert response.status_code == 409


def test_a_read_token_cant_publish_or_upload(project, template, users, client_for):
    client = client_for(users["OrganizationAdmin"], scope="read")

    published = publish(client, project, "DEV", template.pk)
    uploaded = client.post(f"/api/Projects/{project.pk}/templates/upload", {}, format="multipart")

    assert published.status_code == uploaded.status_code == 403
    assert published.json()["code"] == uploaded.json()["code"] == "insufficient_scope"
