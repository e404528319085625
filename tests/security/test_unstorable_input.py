"""No input makes a 500 (SPEC §16): NUL bytes and lone surrogates anywhere (path → 404; query,
headers, cookies, JSON, form and multipart bodies → 400), time-zone offsets out of range → 400,
and a CSV export refuses bad parameters before its first byte."""

import json
from urllib.parse import quote
from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from templates.models import Template
from tests.security import test_authorization_matrix as matrix
from tests.security.test_authorization_matrix import World, id_for
from tests.templates.helpers import upload_form

#: The objects of the authorization matrix: one of everything every operation needs.
world = matrix.world

pytestmark = pytest.mark.django_db

BAD_CHARACTERS = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff"]


def encoded(value: str) -> bytes:
    """What a client can put on the wire for ``value``: lone surrogates as the three bytes
    CESU-8/WTF-8 writers produce."""
    return value.encode("utf-8", "surrogatepass")


# The findings of issue 17, one by one ---------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v/%00", "/v/abc%00def/cta", "/v/abc%00def", "/invitations/%00x", "/player/%00"]
)
def test_a_nul_in_a_public_path_is_a_404_page(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_an_api_path_is_a_404_problem(client_for, users):
    response = client_for(users["Owner"]).get("/api/Projects/%00abc")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_nul_in_the_embed_query_is_a_400_problem():
    response = Client().get("/embed/v1/manifest?channelHandle=%00", HTTP_X_API_KEY="pk_x")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_a_nul_in_a_header_or_cookie_is_a_400(client_for, users):
    client = client_for(users["Owner"])
    assert client.get("/api/me", HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG="a\x00").status_code == 400
    # An octal escape that Django's cookie parser decodes to a NUL.
    assert client.get("/api/me", HTTP_COOKIE='sessionid="\\000abcdefgh"').status_code == 400


@pytest.mark.parametrize("bad", BAD_CHARACTERS)
def test_unstorable_characters_in_json_are_a_400(bad, world: World):
    client = world.clients["OrganizationAdmin"]
    url = f"/api/Projects/{world.params['project']}/public-video-shares/DEV"
    body = {"publicTitle": "Offer", "personalizationData": {"name": f"Ana{bad}"}}
    response = client.generic("PUT", url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "$.personalizationData.name" in response.json()["detail"]
    key = {"publicTitle": "Offer", "personalizationData": {f"n{bad}": "Ana"}}
    response = client.generic("PUT", url, json.dumps(key), content_type="application/json")
    assert response.status_code == 400


def test_a_nul_in_a_multipart_name_is_a_400(world: World):
    client = world.clients["OrganizationAdmin"]
    url = f"/api/Projects/{world.params['project']}/templates/upload"
    form = upload_form(version="3.0", name="Welcome\x00video")
    response = client.generic("POST", url, **_multipart(form))
    assert response.status_code == 400
    assert "'name'" in response.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        b"Welcome\xed\xa0\x80video",  # a lone surrogate as CESU-8/WTF-8 writers encode it
        b"Welcome\xffvideo",  # not UTF-8 at all
        b"Caf\xe9",  # Latin-1 sent as if it were UTF-8
    ],
)
def test_multipart_text_that_is_not_utf8_is_a_400(raw: bytes, world: World):
    """Django decodes multipart text with replacement characters; it used to be stored as
    "Welcome\ufffd\ufffd\ufffdvideo" (201). Now such bytes are refused like a NUL."""
    client = world.clients["OrganizationAdmin"]
    project = world.params["project"]
    url = f"/api/Projects/{project}/templates/upload"
    before = Template.objects.count()
    body = _multipart(upload_form(version="3.0", name="NAME-PLACEHOLDER"))
    body["data"] = body["data"].replace(b"NAME-PLACEHOLDER", raw)
    response = client.generic("POST", url, **body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "invalid_request"
    assert "not valid utf-8" in problem["detail"].lower()
    assert Template.objects.count() == before


def test_a_multipart_body_in_latin1_it_declares_is_read(world: World):
    """A client that names its charset is read in it: the strict decoding refuses only bytes
    that are invalid in the charset of the body."""
    client = world.clients["OrganizationAdmin"]
    url = f"/api/Projects/{world.params['project']}/templates/upload"
    body = _multipart(upload_form(version="3.1", name="NAME-PLACEHOLDER"))
    body["data"] = body["data"].replace(b"NAME-PLACEHOLDER", "Café".encode("latin-1"))
    body["content_type"] += "; charset=iso-8859-1"
    response = client.generic("POST", url, **body)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Café"


def test_a_nul_in_an_uploaded_file_name_is_a_400(world: World):
    client = world.clients["OrganizationAdmin"]
    url = f"/api/Projects/{world.params['project']}/templates/upload"
    poster = SimpleUploadedFile("poster\x00.png", b"\x89PNG\r\n\x1a\n")
    response = client.post(url, upload_form(version="3.0", posterFile=poster), format="multipart")
    assert response.status_code == 400


def audit_url(world: World) -> str:
    return f"/api/Organizations/{world.params['organization']}/audit-events"


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00-18:40",
        "2026-01-01T00:00:00+15:00",
        "2026-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
    ],
)
@pytest.mark.parametrize("export", ["", "&format=csv"])
def test_time_zone_offsets_out_of_range_are_a_400(value, export, world: World):
    client = world.clients["OrganizationAdmin"]
    response = client.get(f"{audit_url(world)}?createdBefore={quote(value)}{export}")
    assert response.status_code == 400
    assert "createdBefore" in response.json()["errors"]


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00+14:00", "2026-01-01T00:00:00-12:00"])
def test_the_offsets_the_world_uses_are_accepted(value, world: World):
    client = world.clients["OrganizationAdmin"]
    response = client.get(f"{audit_url(world)}?createdBefore={quote(value)}&format=csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"id,createdAt,")


def test_an_expiry_with_an_offset_out_of_range_is_a_400(world: World):
    client = world.clients["OrganizationAdmin"]
    body = {"name": "ci", "expiresAt": "2030-01-01T00:00:00-18:40"}
    response = client.post("/api/tokens", body, format="json")
    assert response.status_code == 400
    assert "expiresAt" in response.json()["errors"]


# Every operation of the schema ------------------------------------------------------------------


def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


SCHEMA = _schema()
METHODS = ("get", "post", "put", "patch", "delete")


def _properties(schema: dict) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = SCHEMA["components"]["schemas"][name]
    return sorted(schema.get("properties", {}))


def _operations() -> list[dict]:
    operations = []
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            parameters = operation.get("parameters", [])
            content = operation.get("requestBody", {}).get("content", {})
            kind = next(
                (kind for kind in ("application/json", "multipart/form-data") if kind in content),
                None,
            )
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "path_params": [p["name"] for p in parameters if p["in"] == "path"],
                    "query_params": [p["name"] for p in parameters if p["in"] == "query"],
                    "body_kind": kind,
                    "body_fields": _properties(content[kind]["schema"]) if kind else [],
                }
            )
    return operations


OPERATIONS = _operations()


def _slots(operation: dict) -> list[tuple[str, str]]:
    """Every place of one request a value can go."""
    return (
        [("path", name) for name in operation["path_params"]]
        + [("query", name) for name in operation["query_params"]]
        + [("body", name) for name in operation["body_fields"]]
        + [("header", "HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG")]
    )


def _send(world: World, operation: dict, slot: tuple[str, str], bad: str):
    where, name = slot
    method, path = operation["method"], operation["path"]
    values = {}
    for param in operation["path_params"]:
        if where == "path" and param == name:
            values[param] = quote(encoded(bad), safe="")
        elif param == "id":
            values[param] = id_for(path, world.params)
        else:
            values[param] = world.params.get(param, str(uuid4()))
    url = path.format(**values)
    if where == "query":
        url += f"?{name}={quote(encoded(bad), safe='')}"
    extra = {name: bad} if where == "header" else {}
    client = world.clients["Owner"]
    body = dict(world.bodies.get((method, path), {}))
    if operation["body_kind"] == "multipart/form-data":
        form = upload_form(version="9.9")
        if where == "body":
            form[name] = bad
        return client.generic(method, url, **extra, **_multipart(form))
    if where == "body":
        body[name] = bad
    if method == "GET":
        return client.get(url, **extra)
    return client.generic(method, url, json.dumps(body), "application/json", **extra)


def _multipart(form: dict) -> dict:
    """A multipart body written by hand, so that a lone surrogate goes on the wire as bytes."""
    boundary = "----unstorable"
    parts = []
    for key, value in form.items():
        if isinstance(value, SimpleUploadedFile):
            head = f'Content-Disposition: form-data; name="{key}"; filename="{value.name}"'
            parts.append(encoded(head) + b"\r\n\r\n" + value.read())
        else:
            head = f'Content-Disposition: form-data; name="{key}"'
            parts.append(encoded(head) + b"\r\n\r\n" + encoded(str(value)))
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    body += f"--{boundary}--\r\n".encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


unstorable_text = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=4),
    st.sampled_from(BAD_CHARACTERS),
    st.text(max_size=4),
)


def test_the_schema_has_operations_to_send_to():
    assert len(OPERATIONS) > 50
    assert sum(len(_slots(operation)) for operation in OPERATIONS) > len(OPERATIONS)


@hypothesis_settings(
    max_examples=3,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_no_operation_answers_5xx_to_unstorable_characters(data, world: World, settings):
    """Each example sends, to every operation of the schema, one request per place a value
    can go (path parameter, query parameter, body field, a header) with a NUL byte or a lone
    surrogate there, everything else valid."""
    settings.AUTH_FAILURE_LIMIT = (100_000, 60)
    failures = []
    for operation in OPERATIONS:
        for slot in _slots(operation):
            bad = data.draw(unstorable_text)
            response = _send(world, operation, slot, bad)
            if response.status_code >= 500:
                failures.append((operation["method"], operation["path"], slot, bad))
    assert failures == []
