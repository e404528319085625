"""The embed manifest ``/embed/v1/manifest`` (SPEC §12): its shape, signed file URLs that
really fetch, every authentication and not-found case, CORS, query count and rate limits."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials.models import ApiCredential
from credentials.services import credential_create, credential_revoke
from projects.services import project_archive, project_trash
from shares.models import DistributionChannel
from shares.services import channel_publish, channel_unpublish
from templates.conf import file_url_max_age
from templates.files import file_url, signing_time
from tests.shares.public_helpers import SYSTEM, published_project, upload_template

pytestmark = pytest.mark.django_db
URL = "/embed/v1/manifest"
KEYS = {
    "organizationId",
    "projectId",
    "templateId",
    "templateVersion",
    "kind",
    "templateUrl",
    "manifestUrl",
    "overlayUrl",
    "videoUrl",
    "posterUrl",
}


@pytest.fixture
def published(org):
    return published_project(org)


@pytest.fixture
def project(published):
    return published[0]


@pytest.fixture
def handle(project):
    return DistributionChannel.objects.get(project=project, channel="PROD").channel_handle


@pytest.fixture
def key(project):
    return credential_create(actor=SYSTEM, project=project, name="embed").credential.api_key


@pytest.fixture
def web():
    return Client()


def manifest(web, handle, key=None, **extra):
    headers = {"X-Percus-Api-Key": key} if key else {}
    return web.get(URL, {"channelHandle": handle}, headers=headers, **extra)


def assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_manifest_names_the_published_template(web, published, handle, key):
    project, template = published
    response = manifest(web, handle, key)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert body["organizationId"] == str(project.organization_id)
    assert body["projectId"] == str(project.pk)
    assert body["templateId"] == str(template.pk)
    assert body["templateVersion"] == "1.0"
    assert body["kind"] == "LottieStandalone"
    assert body["templateUrl"].startswith(f"{django_settings.PUBLIC_SITE_URL}/api/files/")
    assert body["manifestUrl"].startswith(f"{django_settings.PUBLIC_SITE_URL}/api/files/")
    assert body["overlayUrl"] is None
    assert body["videoUrl"] is None
    assert body["posterUrl"] is None


def test_the_signed_urls_fetch_the_files(web, handle, key):
    body = manifest(web, handle, key).json()
    for name, expected in (("templateUrl", b'"layers"'), ("manifestUrl", b'"bindings"')):
        path = body[name].removeprefix(django_settings.PUBLIC_SITE_URL)
        response = Client().get(path)
        assert response.status_code == 200
        assert expected in b"".join(response.streaming_content)


def test_the_signed_urls_stay_the_same_within_a_minute(web, handle, key):
    # Signed at the minute: a page or manifest embedding them can be reused and cached.
    assert manifest(web, handle, key).json() == manifest(web, handle, key).json()


def test_a_url_signed_longer_ago_than_the_allowed_age_is_refused(published):
    _, template = published
    file = template.files.get(role="template_json")
    fresh = file_url(file.pk, signed_at=signing_time())
    stale = file_url(file.pk, signed_at=signing_time() - file_url_max_age() - 60)
    assert Client().get(fresh).status_code == 200
    assert Client().get(stale).status_code == 403


def test_a_newly_published_template_shows_at_once(web, published, handle, key):
    project, first = published
    assert manifest(web, handle, key).json()["templateId"] == str(first.pk)
    second = upload_template(project, version="2.0")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=second.pk)
    body = manifest(web, handle, key).json()
    assert body["templateId"] == str(second.pk)
    assert body["templateVersion"] == "2.0"


def test_the_signed_urls_expire(web, handle, key, settings):
    body = manifest(web, handle, key).json()
    settings.TEMPLATE_FILE_URL_MAX_AGE = -1
    path = body["templateUrl"].removeprefix(django_settings.PUBLIC_SITE_URL)
    assert Client().get(path).status_code == 403


def test_the_manifest_marks_the_credential_used(web, handle, key):
    assert manifest(web, handle, key).status_code == 200
    assert ApiCredential.objects.get(api_key=key).last_used_at is not None


def test_the_manifest_reads_in_one_query(web, handle, key):
    manifest(web, handle, key)  # the credential's lastUsedAt is now fresh
    with CaptureQueriesContext(connection) as queries:
        assert manifest(web, handle, key).status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]  # credential, channel and files


def test_marking_the_credential_used_adds_one_query_at_most_once_a_minute(web, handle, key):
    with CaptureQueriesContext(connection) as queries:
        assert manifest(web, handle, key).status_code == 200
    assert len(queries) == 2
    assert queries.captured_queries[1]["sql"].startswith("UPDATE")


# Authentication ---------------------------------------------------------------------------


def test_a_missing_key_is_401(web, handle):
    assert_problem(manifest(web, handle), 401, "unauthenticated")


def test_an_unknown_key_is_401(web, handle):
    assert_problem(manifest(web, handle, "pk_" + "x" * 30), 401, "unauthenticated")


def test_a_revoked_key_is_401(web, handle, key):
    credential_revoke(actor=SYSTEM, credential=ApiCredential.objects.get(api_key=key))
    assert_problem(manifest(web, handle, key), 401, "unauthenticated")


def test_an_expired_key_is_401(web, project, handle):
    credential = credential_create(
        actor=SYSTEM, project=project, expires_at=timezone.now() + timedelta(seconds=1)
    ).credential
    ApiCredential.objects.filter(pk=credential.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_problem(manifest(web, handle, credential.api_key), 401, "unauthenticated")


def test_a_key_of_another_project_is_401(web, org, handle):
    other_project, _ = published_project(org, name="Loans Q3")
    other_key = credential_create(actor=SYSTEM, project=other_project).credential.api_key
    assert_problem(manifest(web, handle, other_key), 401, "unauthenticated")


def test_a_key_of_a_trashed_project_is_401(web, project, handle, key):
    project_trash(actor=SYSTEM, project=project)
    assert_problem(manifest(web, handle, key), 401, "unauthenticated")


# Not found --------------------------------------------------------------------------------


def test_an_unknown_handle_is_404(web, key):
    assert_problem(manifest(web, "nope", key), 404, "not_found")


def test_a_missing_handle_is_404(web, key):
    response = web.get(URL, headers={"X-Percus-Api-Key": key})
    assert_problem(response, 404, "not_found")


def test_an_unpublished_channel_is_404(web, project, handle, key):
    channel_unpublish(actor=SYSTEM, project=project, channel="PROD")
    assert_problem(manifest(web, handle, key), 404, "not_found")


def test_a_never_published_channel_is_404(web, project, key):
    dev = DistributionChannel.objects.get(project=project, channel="DEV").channel_handle
    assert_problem(manifest(web, dev, key), 404, "not_found")


def test_a_channel_the_credential_does_not_allow_is_404(web, project, handle):
    key = credential_create(actor=SYSTEM, project=project, channels=["DEV"]).credential.api_key
    assert_problem(manifest(web, handle, key), 404, "not_found")


def test_an_archived_project_is_404(web, project, handle, key):
    project_archive(actor=SYSTEM, project=project)
    assert_problem(manifest(web, handle, key), 404, "not_found")


# CORS and limits --------------------------------------------------------------------------


def test_responses_allow_any_embedding_origin(web, handle, key):
    response = manifest(web, handle, key, HTTP_ORIGIN="https://bank.example.com")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.cookies
    assert "Access-Control-Allow-Credentials" not in response


def test_the_preflight_allows_the_key_header(web):
    response = web.options(
        URL,
        HTTP_ORIGIN="https://bank.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-percus-api-key",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "x-percus-api-key" in response["Access-Control-Allow-Headers"].lower()


def test_other_methods_are_405(web, handle, key):
    response = web.post(f"{URL}?channelHandle={handle}", headers={"X-Percus-Api-Key": key})
    assert_problem(response, 405, "method_not_allowed")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_405_problems_not_the_csrf_page(handle, key, method):
    # A browser-like client: CSRF is enforced as in production (the test client skips it).
    browser = Client(enforce_csrf_checks=True)
    response = getattr(browser, method)(
        f"{URL}?channelHandle={handle}", headers={"X-Percus-Api-Key": key}
    )
    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, OPTIONS"


def test_the_manifest_is_rate_limited_per_key(web, handle, key, settings):
    settings.CREDENTIAL_RATE_LIMIT = (2, 60)
    assert manifest(web, handle, key).status_code == 200
    assert manifest(web, handle, key).status_code == 200
    response = manifest(Client(REMOTE_ADDR="10.0.0.7"), handle, key)
    assert_problem(response, 429, "rate_limited")
    assert response["Retry-After"] == "60"


def test_the_manifest_is_rate_limited_per_client(web, handle, key, settings):
    settings.PUBLIC_RATE_LIMIT = (2, 60)
    manifest(web, handle, key)
    manifest(web, handle, key)
    response = manifest(web, handle, key)
    assert_problem(response, 429, "rate_limited")
    assert response["Retry-After"] == "60"
    assert manifest(Client(REMOTE_ADDR="10.0.0.8"), handle, key).status_code == 200


# The OpenAPI schema ---------------------------------------------------------------------------


@pytest.fixture
def openapi(web) -> dict:
    response = web.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_documents_the_manifest(openapi):
    operation = openapi["paths"][URL]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [
        ("channelHandle", "query", True)
    ]
    assert operation["security"] == [{"embedApiKey": []}]
    scheme = openapi["components"]["securitySchemes"]["embedApiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Percus-Api-Key"}
    assert {"200", "401", "404", "405", "429"} <= set(operation["responses"])
    for code, response in operation["responses"].items():
        assert set(response["content"]) == (
            {"application/json"} if code == "200" else {"application/problem+json"}
        )
    assert set(openapi["components"]["schemas"]["EmbedManifest"]["properties"]) == KEYS


def test_a_real_manifest_matches_its_schema(openapi, web, handle, key):
    from jsonschema import Draft202012Validator

    body = manifest(web, handle, key).json()
    root = {"$ref": "#/components/schemas/EmbedManifest", "components": openapi["components"]}
    Draft202012Validator(root).validate(body)
    problem = manifest(web, handle).json()
    Draft202012Validator({**root, "$ref": "#/components/schemas/Problem"}).validate(problem)
