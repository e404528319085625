"""A body field of the wrong JSON type is a 400 naming the field, never coerced (issue 17:
schemathesis saw ``"message": 0`` stored as ``"0"`` and ``"tags": "{}"`` accepted)."""

import pytest

from backoffice.roles import Role
from collaboration.models import Comment
from projects.models import Project
from tests.backoffice.factories import member
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(org, client_for):
    return client_for(member(org, Role.PROJECT_MANAGER))


@pytest.fixture
def project(org, manager):
    return make_project(org, creator=member(org, Role.PROJECT_MANAGER))


def assert_field_error(response, *fields: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_request"
    named = {key.split(".")[0] for key in body["errors"]}  # "tags.1": the list's second item
    assert set(fields) <= named, body
    return body


@pytest.mark.parametrize("message", [0, 1.5, True, ["hi"], {"text": "hi"}])
def test_a_comment_message_that_is_not_a_string_is_refused(manager, project, org, message):
    response = manager.post(
        f"/api/Projects/{project.id}/comments", {"message": message}, format="json"
    )
    body = assert_field_error(response, "message")
    assert body["errors"]["message"] == ["Must be a string."]
    assert not Comment.objects.filter(project=project).exists()


def test_a_comment_message_that_is_a_string_is_accepted(manager, project):
    response = manager.post(f"/api/Projects/{project.id}/comments", {"message": "0"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["message"] == "0"


@pytest.mark.parametrize("tags", ["{}", "a,b", 0, {"a": 1}, [0], ["ok", 1]])
def test_project_tags_that_are_not_a_list_of_strings_are_refused(manager, org, tags):
    before = Project.objects.count()
    response = manager.post("/api/Projects", {"name": "Typed", "tags": tags}, format="json")
    assert_field_error(response, "tags")
    assert Project.objects.count() == before


def test_every_wrongly_typed_field_is_named_in_one_400(manager):
    response = manager.post(
        "/api/Projects",
        {"name": 12, "description": False, "tags": "x", "externalId": 7},
        format="json",
    )
    assert_field_error(response, "name", "description", "tags", "externalId")


def test_strings_where_strings_are_expected_still_create(manager):
    response = manager.post(
        "/api/Projects",
        {"name": "Typed", "description": "", "tags": ["a", "b"], "externalId": "7"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["tags"] == ["a", "b"]


@pytest.mark.parametrize("value", ["true", "yes", 1, 0, None])
def test_a_json_yes_no_field_takes_only_true_or_false(org, users, client_for, value):
    admin = client_for(users["OrganizationAdmin"])
    response = admin.patch(
        f"/api/Organizations/{org.pk}", {"requireProdApproval": value}, format="json"
    )
    assert_field_error(response, "requireProdApproval")
    org.refresh_from_db()
    assert org.require_prod_approval is False


def test_a_json_true_sets_the_yes_no_field(org, users, client_for):
    admin = client_for(users["OrganizationAdmin"])
    response = admin.patch(
        f"/api/Organizations/{org.pk}", {"requireProdApproval": True}, format="json"
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.require_prod_approval is True


def test_a_form_body_is_not_read_at_all(org, users, client_for):
    """The API reads JSON bodies only (the uploads: multipart): a form is a 415, so no text
    spelling of a boolean is ever read."""
    admin = client_for(users["OrganizationAdmin"])
    response = admin.patch(
        f"/api/Organizations/{org.pk}",
        "requireProdApproval=true",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_media_type"
    org.refresh_from_db()
    assert org.require_prod_approval is False


#: Every JSON body field that holds an id, with a body that is otherwise valid.
UUID_BODY_FIELDS = [
    ("post", "distribution-channels/DEV/publish", {}, "templateId"),
    ("post", "deploy-requests", {}, "templateId"),
    ("post", "assign", {}, "parentId"),
    ("put", "public-video-shares/DEV", {"publicTitle": "Offer"}, "apiCredentialId"),
]


@pytest.mark.parametrize("value", [True, False, 1, 5, 0, 12.0, -1])
@pytest.mark.parametrize(("method", "tail", "body", "field"), UUID_BODY_FIELDS)
def test_an_id_field_takes_only_a_string(org, users, client_for, method, tail, body, field, value):
    """DRF's UUIDField read ``true`` and ``5`` as ``UUID(int=…)``: a misleading "no such …"
    instead of a type error."""
    project = make_project(org)
    client = client_for(users["OrganizationAdmin"])
    response = getattr(client, method)(
        f"/api/Projects/{project.pk}/{tail}", {**body, field: value}, format="json"
    )
    assert response["Content-Type"] == "application/problem+json"
    problem = assert_field_error(response, field)
    assert problem["errors"][field] == ["Must be a valid UUID."]
