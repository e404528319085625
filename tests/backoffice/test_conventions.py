"""API conventions (SPEC §11): problem details for every error, bounded bodies, pagination,
health checks, the OpenAPI schema, and query counts that do not grow with the page."""

import base64
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from backoffice.actors import Actor
from backoffice.models import ApiToken
from backoffice.roles import Role
from backoffice.services import invitation_create, token_create
from tests.backoffice.factories import member
from tests.backoffice.urls_for_tests import SECRET_IN_TRACEBACK

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    return body


@pytest.fixture
def dev(users):
    return users["Developer"]


@pytest.fixture
def client(dev, client_for):
    return client_for(dev)


# Errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/nope",
        "/api/tokens/",
        "/api/Organizations/not-a-uuid-at-all/members",
        f"/api/Organizations/{uuid.uuid4()}/nope",
    ],
)
def test_unknown_api_paths_are_problem_404(path, client):
    assert_problem(client.get(path), 404, "not_found")


def test_unknown_paths_are_problem_404_even_when_anonymous(anon, db):
    assert_problem(anon.get("/api/nope"), 404, "not_found")


def test_unknown_object_is_problem_404(org, users, client_for):
    admin = client_for(users["OrganizationAdmin"])
    assert_problem(admin.get(f"/api/Organizations/{uuid.uuid4()}/members"), 404, "not_found")
    assert_problem(admin.get(f"/api/Organizations/{uuid.uuid4()}"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/me"),
        ("post", "/api/me"),
        ("put", "/api/Organizations"),
        ("patch", "/api/tokens/{token}"),
        ("delete", "/api/tokens/{token}"),
        ("get", "/api/tokens/{token}/revoke"),
        ("get", "/api/invitations/accept"),
    ],
)
def test_wrong_method_is_problem_405(method, path, dev, client):
    token = ApiToken.objects.get(user=dev)
    response = getattr(client, method)(path.format(token=token.id))
    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"]


def test_unsupported_media_type_is_problem_415(client):
    response = client.post("/api/tokens", "name=x", content_type="text/plain")
    assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "raw", [b"{", b'{"name": }', b"\xff\xfe", b'{"name": "x"} trailing', b"NaN-ish"]
)
def test_invalid_json_is_problem_400(raw, client):
    response = client.post("/api/tokens", raw, content_type="application/json")
    assert_problem(response, 400, "invalid_request")


@pytest.mark.parametrize("body", [b"[]", b'"name"', b"42", b"null"])
def test_json_that_is_not_an_object_is_400(body, client):
    response = client.post("/api/tokens", body, content_type="application/json")
    assert_problem(response, 400, "invalid_request")


def test_deeply_nested_json_is_400_not_500(client):
    depth = 100_000
    response = client.post(
        "/api/tokens", b"[" * depth + b"]" * depth, content_type="application/json"
    )
    assert_problem(response, 400, "invalid_request")


def test_deeply_nested_json_to_the_anonymous_endpoint_is_400(anon, db):
    depth = 100_000
    body = b'{"token": ' + b"[" * depth + b"]" * depth + b"}"
    response = anon.post("/api/invitations/accept", body, content_type="application/json")
    assert_problem(response, 400, "invalid_request")


def test_json_over_the_limit_is_413(client, settings):
    settings.MAX_JSON_BODY_BYTES = 64
    response = client.post("/api/tokens", {"name": "x" * 80}, format="json")
    assert_problem(response, 413, "payload_too_large")
    fits = client.post("/api/tokens", {"name": "x" * 20}, format="json")
    assert fits.status_code == 201


def test_body_over_the_request_limit_is_refused_by_the_middleware(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 100
    response = client.post("/api/tokens", {"name": "x" * 200}, format="json")
    assert_problem(response, 413, "payload_too_large")


def test_declared_length_over_the_limit_is_413_before_reading(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    response = client.post("/api/tokens", {"name": "x"}, format="json", CONTENT_LENGTH=str(10**12))
    assert_problem(response, 413, "payload_too_large")


def test_the_request_limit_applies_to_every_path(settings, db):
    settings.MAX_REQUEST_BODY_BYTES = 100
    response = APIClient().post("/invitations/whatever", {"password": "x" * 200})
    assert response.status_code == 413


@pytest.mark.urls("tests.backoffice.urls_for_tests")
@pytest.mark.parametrize("path", ["/api/test-only/plain-boom", "/api/test-only/drf-boom"])
def test_unhandled_exception_is_a_problem_500_without_traceback(path, dev, client_for):
    client = client_for(dev)
    client.raise_request_exception = False
    response = client.get(path)
    body = assert_problem(response, 500, "server_error")
    text = response.content.decode()
    assert SECRET_IN_TRACEBACK not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert set(body) == {"type", "title", "status", "detail", "code"}


@pytest.mark.parametrize("value", ["abc", "123", str(uuid.uuid4())[:-1] + "z", "'; drop"])
@pytest.mark.parametrize("how", ["header", "query"])
def test_malformed_organization_id_is_400(value, how, client):
    if how == "header":
        response = client.get("/api/tokens", HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=value)
    else:
        response = client.get("/api/tokens", {"organizationId": value})
    body = assert_problem(response, 400, "invalid_request")
    assert list(body["errors"]) == ["organizationId"]


def test_field_errors_are_named_in_camel_case(client):
    response = client.post("/api/tokens", {"name": "x", "expiresAt": "soon"}, format="json")
    body = assert_problem(response, 400, "invalid_request")
    assert body["errors"] == {"expiresAt": [body["errors"]["expiresAt"][0]]}


def _snake_keys(value) -> list[str]:
    if isinstance(value, dict):
        own = [key for key in value if "_" in key]
        return own + [k for v in value.values() for k in _snake_keys(v)]
    if isinstance(value, list):
        return [k for item in value for k in _snake_keys(item)]
    return []


def test_responses_are_camel_case_with_utc_times(org, users, client_for):
    admin = users["OrganizationAdmin"]
    invitation_create(
        actor=Actor.for_user(admin), organization=org, email="x@example.com", role="Viewer"
    )
    client = client_for(admin)
    for path in (
        "/api/me",
        "/api/tokens",
        "/api/Organizations",
        f"/api/Organizations/{org.id}",
        f"/api/Organizations/{org.id}/members",
        f"/api/Organizations/{org.id}/invitations",
    ):
        body = client.get(path).json()
        assert _snake_keys(body) == [], path
    token = client.get("/api/tokens").json()["items"][0]
    assert token["createdAt"].endswith("Z")


# Pagination ----------------------------------------------------------------------------


@pytest.fixture
def many_tokens(dev):
    """35 tokens of ``dev`` (the client's own makes 36), all with the same ``created_at``
    so that keyset pages must break ties on the id."""
    for index in range(35):
        token_create(actor=Actor.for_user(dev), user=dev, name=f"t{index:02d}")
    ApiToken.objects.filter(user=dev).update(created_at=timezone.now() - timedelta(hours=1))
    return {str(pk) for pk in ApiToken.objects.filter(user=dev).values_list("id", flat=True)}


def test_offset_page_shape_and_default_limit(client, many_tokens):
    body = client.get("/api/tokens").json()
    assert set(body) == {"items", "total", "limit", "offset", "nextCursor"}
    assert (body["total"], body["limit"], body["offset"]) == (36, 30, 0)
    assert len(body["items"]) == 30
    assert body["nextCursor"]


def test_limit_is_capped_at_200(client, many_tokens):
    body = client.get("/api/tokens", {"limit": 500}).json()
    assert body["limit"] == 200
    assert len(body["items"]) == 36
    assert body["nextCursor"] is None


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", "abc"),
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "1.5"),
        ("offset", "-1"),
        ("offset", "x"),
        ("offset", str(10**20)),
        ("offset", str(2**63)),
        ("limit", "9" * 5000),
    ],
)
def test_bad_limit_or_offset_is_400(param, value, client):
    body = assert_problem(client.get("/api/tokens", {param: value}), 400, "invalid_request")
    assert list(body["errors"]) == [param]


@pytest.mark.parametrize(
    "path",
    [
        "/api/tokens",
        "/api/Organizations",
        "/api/Organizations/{org}/members",
        "/api/Organizations/{org}/invitations",
    ],
)
@pytest.mark.parametrize(
    "params", [{"limit": "x"}, {"offset": "-5"}, {"cursor": "nope"}, {"organizationId": "1"}]
)
def test_every_list_refuses_bad_parameters(path, params, org, users, client_for):
    response = client_for(users["OrganizationAdmin"]).get(path.format(org=org.id), params)
    body = assert_problem(response, 400, "invalid_request")
    assert list(body["errors"]) == list(params)


def test_offset_pages_walk_every_item_once(client, many_tokens):
    seen = []
    for offset in range(0, 36, 7):
        seen += [
            item["id"]
            for item in client.get("/api/tokens", {"limit": 7, "offset": offset}).json()["items"]
        ]
    assert sorted(seen) == sorted(many_tokens)


def test_cursor_pages_walk_every_item_exactly_once(client, many_tokens):
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/tokens", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == 6
    assert len(seen) == len(set(seen)) == 36
    assert set(seen) == many_tokens


def test_an_offset_pages_next_cursor_continues_it(client, many_tokens):
    first = client.get("/api/tokens", {"limit": 10}).json()
    second = client.get("/api/tokens", {"limit": 10, "cursor": first["nextCursor"]}).json()
    by_offset = client.get("/api/tokens", {"limit": 10, "offset": 10}).json()
    assert [i["id"] for i in second["items"]] == [i["id"] for i in by_offset["items"]]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "e30",  # {}
        _b64(b"[1, 2]"),
        _b64(b'["2024-01-01T00:00:00+00:00", 5]'),
        _b64(b'["2024-01-01T00:00:00+00:00", null]'),
        _b64(b'["2024-01-01T00:00:00", "7d7c4a56-8f0e-4a3c-9a89-111111111111"]'),
        _b64(b'["not a date", "7d7c4a56-8f0e-4a3c-9a89-111111111111"]'),
        _b64(b'["2024-01-01T00:00:00+00:00", "7d7c4a56"]'),
        _b64(b'["2024-01-01T00:00:00+00:00", "x", "extra"]'),
        _b64(b"\xff\xfe"),
        _b64(b"[" * 5000 + b"]" * 5000),
    ],
)
def test_invalid_cursor_is_400(cursor, client):
    body = assert_problem(client.get("/api/tokens", {"cursor": cursor}), 400, "invalid_request")
    assert list(body["errors"]) == ["cursor"]


@pytest.mark.parametrize(
    "created_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999-14:00"]
)
def test_extreme_but_valid_cursor_is_a_page(created_at, client):
    cursor = _b64(json.dumps([created_at, str(uuid.uuid4())]).encode())
    response = client.get("/api/tokens", {"cursor": cursor})
    assert response.status_code == 200
    assert set(response.json()) == {"items", "nextCursor"}


def test_largest_offset_is_an_empty_page(client):
    body = client.get("/api/tokens", {"offset": 2**63 - 1}).json()
    assert body["items"] == []
    assert body["nextCursor"] is None


def test_cursor_and_offset_together_are_400(client, many_tokens):
    cursor = client.get("/api/tokens", {"limit": 5}).json()["nextCursor"]
    response = client.get("/api/tokens", {"cursor": cursor, "offset": 5})
    assert_problem(response, 400, "invalid_request")


def test_total_is_capped_with_a_lower_bound_flag(dev, client):
    ApiToken.objects.bulk_create(
        ApiToken(user=dev, name="bulk", prefix=f"pbt_{index:08d}", digest="0" * 64)
        for index in range(10_001)
    )
    body = client.get("/api/tokens", {"limit": 1}).json()
    assert body["total"] == 10_000
    assert body["totalIsLowerBound"] is True


# Health, schema, docs ------------------------------------------------------------------


def test_healthz(anon, db):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz(anon, db):
    response = anon.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.fixture
def schema(anon, db) -> dict:
    response = anon.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_valid_openapi_3_1(schema):
    assert schema["openapi"].startswith("3.1")
    validate_schema(schema)


IDENTITY_PATHS = {
    "/api/me": {"get"},
    "/api/tokens": {"get", "post"},
    "/api/tokens/{id}": {"get"},
    "/api/tokens/{id}/revoke": {"post"},
    "/api/Organizations": {"get"},
    "/api/Organizations/{id}": {"get"},
    "/api/Organizations/{organizationId}/members": {"get"},
    "/api/Organizations/{organizationId}/members/{userId}/role": {"put"},
    "/api/Organizations/{organizationId}/members/{userId}/deactivate": {"post"},
    "/api/Organizations/{organizationId}/members/{userId}/reactivate": {"post"},
    "/api/Organizations/{organizationId}/invitations": {"get", "post"},
    "/api/Organizations/{organizationId}/invitations/{id}/resend": {"post"},
    "/api/Organizations/{organizationId}/invitations/{id}/revoke": {"post"},
    "/api/invitations/accept": {"post"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_schema_documents_every_identity_endpoint(schema):
    for path, methods in IDENTITY_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_schema_documents_problem_errors_on_every_operation(schema):
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert operations
    for path, method, operation in operations:
        # The embed manifest (outside /api/) knows keys, not roles: it has no 403.
        for status in ("401", "403", "404") if path.startswith("/api/") else ("401", "404"):
            response = operation["responses"].get(status)
            assert response, f"{method.upper()} {path} lacks {status}"
            assert PROBLEM in response["content"], f"{method.upper()} {path} {status}"


def test_schema_groups_operations_by_resource_under_capitalised_tags(schema):
    tags: dict[str, list[str]] = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                assert len(operation["tags"]) == 1, f"{method.upper()} {path}"
                tags.setdefault(operation["tags"][0], []).append(f"{method.upper()} {path}")
    for tag, operations in tags.items():
        assert tag[0].isupper(), tag
        assert len(operations) <= 15, (tag, operations)
    assert {
        "Projects",
        "Templates",
        "Distribution channels",
        "Public video shares",
        "Deploy requests",
        "Comments",
        "Members",
        "Guests",
        "User groups",
        "History",
        "Stats",
        "Credentials",
        "Tokens",
        "Organizations",
        "Invitations",
        "Webhooks",
        "Branding",
        "Audit events",
        "Files",
        "Embed",
    } <= set(tags)
    assert "GET /api/Projects/{projectId}/comments" in tags["Comments"]
    assert (
        "PUT /api/Organizations/{organizationId}/user-groups/{id}/members/{userId}"
        in (tags["User groups"])
    )
    assert (
        "POST /api/Organizations/{organizationId}/webhooks/{webhookId}/deliveries/{id}/"
        "redeliver" in tags["Webhooks"]
    )


def test_schema_shows_the_token_only_in_the_create_response(schema):
    create = schema["paths"]["/api/tokens"]["post"]["responses"]["201"]
    ref = create["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "token" in schema["components"]["schemas"][ref]["properties"]
    read = schema["paths"]["/api/tokens/{id}"]["get"]["responses"]["200"]
    ref = read["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "token" not in schema["components"]["schemas"][ref]["properties"]
    assert "expiresAt" in schema["components"]["schemas"][ref]["properties"]


def test_docs_page_answers(anon, db):
    response = anon.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# Query counts --------------------------------------------------------------------------


def _measure(client, path: str, rows: int, expected: int, django_assert_num_queries):
    client.get(path)  # warm up: the token's lastUsedAt is written on first use
    with django_assert_num_queries(expected):
        response = client.get(path, {"limit": 200})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("rows", [3, 30])
def test_member_list_queries_do_not_grow(rows, org, client_for, django_assert_num_queries):
    admin = member(org, Role.ORGANIZATION_ADMIN)
    for _ in range(rows - 1):
        member(org)
    # token look-up, organization, roles, count, page
    body = _measure(
        client_for(admin),
        f"/api/Organizations/{org.id}/members",
        rows,
        5,
        django_assert_num_queries,
    )
    assert body["total"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_token_list_queries_do_not_grow(rows, dev, client_for, django_assert_num_queries):
    for index in range(rows - 1):
        token_create(actor=Actor.for_user(dev), user=dev, name=f"t{index}")
    # token look-up, count, page
    body = _measure(client_for(dev), "/api/tokens", rows, 3, django_assert_num_queries)
    assert body["total"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_invitation_list_queries_do_not_grow(
    rows, org, users, client_for, django_assert_num_queries
):
    admin = users["OrganizationAdmin"]
    for index in range(rows):
        invitation_create(
            actor=Actor.for_user(admin),
            organization=org,
            email=f"invitee{index}@example.com",
            role=Role.VIEWER,
        )
    # token look-up, organization, roles, count, page (with user and inviter joined)
    body = _measure(
        client_for(admin),
        f"/api/Organizations/{org.id}/invitations",
        rows,
        5,
        django_assert_num_queries,
    )
    assert body["total"] == rows


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_answer_a_wrong_method_with_problem_details(path):
    # CSRF enforced as in production (the test client skips it by default).
    response = APIClient(enforce_csrf_checks=True).post(path)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_the_schema_lists_every_problem_code_the_server_sends(anon):
    """``/readyz`` and the database-outage path send ``service_unavailable``."""
    schema = json.loads(anon.get("/api/schema", {"format": "json"}).content)
    problem = schema["components"]["schemas"]["Problem"]["properties"]["code"]
    ref = problem.get("$ref") or problem["allOf"][0]["$ref"]
    codes = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["enum"]
    assert {"service_unavailable", "unsupported_media_type", "server_error"} <= set(codes)


def test_the_schema_declares_what_the_server_takes(anon):
    """The audit export applies the list's filters; ``personalizationData`` is an object or
    null (``oneOf: [{}, null]`` refused null, which the server takes, and admitted a list)."""
    schema = json.loads(anon.get("/api/schema", {"format": "json"}).content)
    export = schema["paths"]["/api/Organizations/{organizationId}/audit-events/export"]["get"]
    names = {parameter["name"] for parameter in export["parameters"]}
    assert {"projectId", "actorUserId", "eventType", "createdAfter", "createdBefore"} <= names
    data = schema["components"]["schemas"]["PublicVideoShareWriteRequest"]["properties"][
        "personalizationData"
    ]
    assert data["type"] == ["object", "null"]
    assert "oneOf" not in data


@pytest.mark.parametrize(
    ("path", "query", "allowed"),
    [
        ("/api/Projects", {"status": "active"}, "one of Draft, Active, Archived."),
        ("/api/Projects", {"visibility": "public"}, "one of "),
        ("/api/Projects", {"ordering": "bogus"}, "one of name, -name"),
    ],
)
def test_a_refused_filter_choice_lists_the_allowed_values(client, path, query, allowed):
    response = client.get(path, query)
    body = assert_problem(response, 400, "invalid_request")
    (name,) = query
    message = body["errors"][name][0]
    assert message.startswith(f'"{query[name]}" is not a valid choice: '), message
    assert allowed in message, message


@pytest.mark.parametrize("path", ["/api/Projects", "/api/me"])
def test_an_unknown_format_is_a_400_naming_it(client, path):
    """DRF answered ``?format=xml`` with a bare 404, as if the path were wrong."""
    response = client.get(path, {"format": "xml"})
    body = assert_problem(response, 400, "invalid_request")
    assert body["errors"]["format"][0].startswith('"xml" is not a valid choice: one of ')


def test_an_unknown_audit_format_is_a_400_listing_csv(org, client_for):
    admin = member(org, Role.ORGANIZATION_ADMIN)
    response = client_for(admin).get(f"/api/Organizations/{org.pk}/audit-events", {"format": "xml"})
    body = assert_problem(response, 400, "invalid_request")
    assert "csv" in body["errors"]["format"][0]
    ok = client_for(admin).get(f"/api/Organizations/{org.pk}/audit-events", {"format": "csv"})
    assert ok.status_code == 200


def test_one_title_per_problem_type(client, org):
    """A 400 or a 404 raised by a service and one raised by DRF share ``type``, so they
    share ``title`` too (was "Invalid request" beside "Bad Request", "Not found" beside
    "Not Found")."""
    from tests.projects.factories import make_project

    project = make_project(org)
    by_service = client.get(f"/api/Projects/{project.pk}/stats?from=2026-05-03&to=2026-05-01")
    by_drf = client.post("/api/tokens", {}, format="json")
    first, second = (assert_problem(r, 400, "invalid_request") for r in (by_service, by_drf))
    assert first["type"] == second["type"]
    assert first["title"] == second["title"] == "Bad Request"
    by_service = client.put(
        f"/api/Projects/{project.pk}/public-video-shares/QA", {"publicTitle": "x"}, format="json"
    )
    assert assert_problem(by_service, 404, "not_found")["title"] == "Not Found"
    assert assert_problem(client.get("/api/Projects/not-a-uuid"), 404, "not_found")["title"] == (
        "Not Found"
    )
