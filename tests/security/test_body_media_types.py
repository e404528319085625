"""The API reads JSON bodies only, except the three uploads (template upload, project
thumbnail, branding logo), which read multipart; any other body is a 415 problem, and the
OpenAPI schema declares exactly the media types each operation accepts (issue 17: a form
string ``tags={}`` was coerced into the list ``["{}"]``, a multipart ``expiresAt=null`` was
refused as a date although the schema offered forms)."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from projects.models import Project
from tests.security.test_authorization_matrix import World, url_for
from tests.security.test_authorization_matrix import world as world

pytestmark = pytest.mark.django_db

#: The operations that take a multipart body (path suffix, method), and the media types of
#: their request bodies.
UPLOADS = {
    ("POST", "/templates/upload"): ["multipart/form-data"],
    ("PUT", "/thumbnail"): ["application/json", "multipart/form-data"],
    ("PUT", "/branding/logo"): ["multipart/form-data"],
}


def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


SCHEMA = _schema()
WRITES = [
    (method.upper(), path, sorted(operation["requestBody"]["content"]))
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in ("post", "put", "patch") and "requestBody" in operation
]


def _upload(method: str, path: str) -> list[str] | None:
    return next(
        (kinds for (m, end), kinds in UPLOADS.items() if m == method and path.endswith(end)), None
    )


def test_the_schema_declares_json_only_except_for_the_uploads():
    assert len(WRITES) > 25
    for method, path, kinds in WRITES:
        assert kinds == (_upload(method, path) or ["application/json"]), (method, path)
    for method, end in UPLOADS:
        assert any(m == method and path.endswith(end) for m, path, _ in WRITES), (method, end)


def test_every_write_declares_415():
    for method, path, _ in WRITES:
        operation = SCHEMA["paths"][path][method.lower()]
        assert "415" in operation["responses"], (method, path)


FORM_KINDS = {
    "form": ("application/x-www-form-urlencoded", b"name=x&tags=%7B%7D"),
    "multipart": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
    ),
    "text": ("text/plain", b"name=x"),
}


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_a_body_that_is_not_json_is_a_415_problem_on_every_json_write(kind, world: World):
    content_type, body = FORM_KINDS[kind]
    client = world.clients["OrganizationAdmin"]
    json_writes = [(m, p) for m, p, kinds in WRITES if "multipart/form-data" not in kinds]
    assert len(json_writes) > 20
    for method, path in json_writes:
        response = client.generic(method, url_for(path, world.params), body, content_type)
        assert response.status_code == 415, (method, path, response.status_code)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "unsupported_media_type"


def test_a_form_string_is_no_longer_coerced_into_tags(world: World):
    """The finding: ``tags={}`` in a form became the list ``["{}"]`` on a new project."""
    client = world.clients["OrganizationAdmin"]
    before = Project.objects.count()
    response = client.generic(
        "POST", "/api/Projects", b"name=Formed&tags=%7B%7D", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert Project.objects.count() == before


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("PUT", "/branding/logo"), ("POST", "/templates/upload")],
)
def test_an_upload_refuses_json(method, suffix, world: World):
    path = next(p for m, p, _ in WRITES if m == method and p.endswith(suffix))
    client = world.clients["Owner"]
    response = client.generic(method, url_for(path, world.params), b"{}", "application/json")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_the_thumbnail_reads_each_body_type_s_own_field(world: World):
    """JSON names a template; multipart carries an image. A ``templateId`` in a multipart
    form is not what the schema documents for multipart: 400, the image is missing."""
    path = next(p for m, p, _ in WRITES if m == "PUT" and p.endswith("/thumbnail"))
    url = url_for(path, world.params)
    client = world.clients["OrganizationAdmin"]
    form = (
        b"--b\r\nContent-Disposition: form-data; "
        b'name="templateId"\r\n\r\n' + world.params["template"].encode() + b"\r\n--b--\r\n"
    )
    response = client.generic("PUT", url, form, "multipart/form-data; boundary=b")
    assert response.status_code == 400
    assert "image" in response.json()["errors"]
    response = client.put(url, {}, format="json")
    assert response.status_code == 400
    assert "templateId" in response.json()["errors"]
