"""Template endpoints (SPEC §5): role matrix, list filters and query counts, detail, archive,
delete and signed file downloads."""

import pytest
from django.core import signing

from backoffice.models import AuditEvent
from backoffice.roles import Role
from templates.constants import Status
from templates.models import Template, TemplateFile
from tests.backoffice.factories import member
from tests.conftest import PRINCIPALS
from tests.projects.factories import make_project
from tests.templates.helpers import FIXTURES, make_template, stored_files, upload_form

pytestmark = pytest.mark.django_db


def row(*statuses: int) -> dict[str, int]:
    return dict(zip(PRINCIPALS, statuses, strict=True))


#              Viewer Dev  PM  Admin Owner other anon
MATRIX = {
    "list": row(200, 200, 200, 200, 200, 404, 401),
    "retrieve": row(200, 200, 200, 200, 200, 404, 401),
    "upload": row(403, 201, 201, 201, 201, 404, 401),
    "archive": row(403, 200, 200, 200, 200, 404, 401),
    "delete": row(403, 403, 204, 204, 204, 404, 401),
}
CODES = {401: "unauthenticated", 403: "insufficient_role", 404: "not_found"}


@pytest.fixture
def project(org):
    return make_project(org)


@pytest.fixture
def template(project):
    return make_template(project, name="Existing")


def call(client, endpoint: str, project, template):
    base = f"/api/Projects/{project.pk}/templates"
    if endpoint == "list":
        return client.get(base)
    if endpoint == "retrieve":
        return client.get(f"{base}/{template.pk}")
    if endpoint == "upload":
        return client.post(f"{base}/upload", upload_form(), format="multipart")
    if endpoint == "archive":
        return client.post(f"{base}/{template.pk}/archive")
    return client.delete(f"{base}/{template.pk}")


@pytest.mark.parametrize(
    ("endpoint", "principal", "status"),
    [
        pytest.param(endpoint, principal, status, id=f"{endpoint}-{principal}")
        for endpoint, statuses in MATRIX.items()
        for principal, status in statuses.items()
    ],
)
def test_role_matrix(endpoint, principal, status, project, template, client_as):
    client = client_as(principal)

    response = call(client, endpoint, project, template)

    assert response.status_code == status, response.content
    if status in CODES:
        assert response.json()["code"] == CODES[status]


def test_unknown_project_is_a_404(users, client_for):
    response = client_for(users["Viewer"]).get(
        "/api/Projects/00000000-0000-0000-0000-000000000000/templates"
    )

    assert response.status_code == 404


def test_template_of_another_project_is_a_404(org, project, users, client_for):
    other = make_template(make_project(org, name="Other"))

    response = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}/templates/{other.pk}")

    assert response.status_code == 404


# List ---------------------------------------------------------------------------------------


def test_list_is_paginated_and_filtered(project, users, client_for):
    make_template(project, name="A")
    make_template(project, name="B", kind="Raster")
    client = client_for(users["Viewer"])

    everything = client.get(f"/api/Projects/{project.pk}/templates").json()
    raster = client.get(f"/api/Projects/{project.pk}/templates?kind=Raster").json()
    testing = client.get(f"/api/Projects/{project.pk}/templates?status=Testing").json()
    archived = client.get(f"/api/Projects/{project.pk}/templates?status=Archived").json()

    assert everything["total"] == 2
    assert [item["name"] for item in everything["items"]] == ["B", "A"]
    assert [item["name"] for item in raster["items"]] == ["B"]
    assert testing["total"] == 2
    assert archived["total"] == 0


def test_list_rejects_an_unknown_status(project, users, client_for):
    response = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}/templates?status=x")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status"}


LIST_QUERIES = 8


@pytest.mark.parametrize("count", [2, 10])
def test_list_query_count_is_constant(count, project, users, client_for, django_assert_num_queries):
    for n in range(count):
        make_template(project, name=f"T{n}")
    client = client_for(users["Viewer"])

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(f"/api/Projects/{project.pk}/templates?limit=200")

    assert len(response.json()["items"]) == count
    assert all(len(item["files"]) == 3 for item in response.json()["items"])


def test_project_detail_lists_templates(project, template, users, client_for):
    body = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}").json()

    assert [item["id"] for item in body["templates"]] == [str(template.pk)]
    assert body["templates"][0]["status"] == "Testing"


# Archive and delete ------------------------------------------------------------------------


def test_archive_moves_to_archived_and_is_audited(project, template, users, client_for):
    client = client_for(users["Developer"])

    response = client.post(f"/api/Projects/{project.pk}/templates/{template.pk}/archive")

    assert response.status_code == 200
    assert response.json()["status"] == "Archived"
    event = AuditEvent.objects.get(event_type="TEMPLATE_ARCHIVED")
    assert event.changes == {"status": {"before": "Testing", "after": "Archived"}}
    again = client.post(f"/api/Projects/{project.pk}/templates/{template.pk}/archive")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_delete_removes_rows_and_files(
    project, template, users, client_for, media_root, django_capture_on_commit_callbacks
):
    assert len(stored_files(media_root)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["ProjectManager"]).delete(
            f"/api/Projects/{project.pk}/templates/{template.pk}"
        )

    assert response.status_code == 204
    assert not Template.objects.filter(pk=template.pk).exists()
    assert not TemplateFile.objects.exists()
    assert stored_files(media_root) == []
    assert AuditEvent.objects.filter(event_type="TEMPLATE_DELETED").count() == 1


def test_a_template_that_was_in_production_cant_be_deleted(
    project, template, users, client_for, media_root
):
    Template.objects.filter(pk=template.pk).update(status=Status.PREVIOUS, was_production=True)

    response = client_for(users["ProjectManager"]).delete(
        f"/api/Projects/{project.pk}/templates/{template.pk}"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Template.objects.filter(pk=template.pk).exists()
    assert len(stored_files(media_root)) == 3


def test_one_production_template_per_project_is_a_database_rule(project):
    from django.db import IntegrityError, transaction

    first = make_template(project, name="A")
    second = make_template(project, name="B")
    Template.objects.filter(pk=first.pk).update(status=Status.PRODUCTION)

    with pytest.raises(IntegrityError), transaction.atomic():
        Template.objects.filter(pk=second.pk).update(status=Status.PRODUCTION)


# Signed file URLs ----------------------------------------------------------------------------


def _file_url(client, project, template, role: str) -> str:
    body = client.get(f"/api/Projects/{project.pk}/templates/{template.pk}").json()
    return next(file["url"] for file in body["files"] if file["role"] == role)


def test_signed_url_serves_the_file(project, template, users, client_for, anon):
    url = _file_url(client_for(users["Viewer"]), project, template, "templateJson")

    response = anon.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == (FIXTURES / "lottie.json").read_bytes()


def test_tampered_url_is_a_403(project, template, users, client_for, anon):
    url = _file_url(client_for(users["Viewer"]), project, template, "poster")
    other = TemplateFile.objects.exclude(role="poster").first()
    _value, stamp, signature = url.removeprefix("/api/files/").split(":")

    response = anon.get(f"/api/files/{other.pk}:{stamp}:{signature}")

    assert response.status_code == 403
    # Its own code (issue 17: it was insufficient_role, as a missing role is).
    assert response.json()["code"] == "invalid_file_token"
    assert anon.get(url[:-2] + "xx").json()["code"] == "invalid_file_token"


def test_expired_url_is_a_403(project, template, users, client_for, anon, settings):
    url = _file_url(client_for(users["Viewer"]), project, template, "poster")
    settings.TEMPLATE_FILE_URL_MAX_AGE = -1

    response = anon.get(url)

    assert response.status_code == 403


def test_url_of_a_deleted_file_is_a_404(project, template, users, client_for, anon):
    url = _file_url(client_for(users["Viewer"]), project, template, "poster")
    client_for(users["ProjectManager"]).delete(
        f"/api/Projects/{project.pk}/templates/{template.pk}"
    )

    assert anon.get(url).status_code == 404


def test_tokens_are_signed_with_their_own_salt(template):
    file = template.files.first()
    foreign = signing.TimestampSigner(salt="something-else").sign(str(file.pk))

    from templates.files import file_id_from_token

    with pytest.raises(signing.BadSignature):
        file_id_from_token(foreign)


def test_a_developer_in_another_role_on_one_project(org, users, client_for):
    # Viewer of the organization made Developer on one project by a grant uploads there.
    from backoffice.actors import Actor
    from projects.services import project_grant_set

    project = make_project(org)
    viewer = member(org, Role.VIEWER)
    project_grant_set(
        actor=Actor.for_user(users["OrganizationAdmin"]),
        project=project,
        role=Role.DEVELOPER,
        user=viewer,
    )

    response = client_for(viewer).post(
        f"/api/Projects/{project.pk}/templates/upload", upload_form(), format="multipart"
    )

    assert response.status_code == 201
