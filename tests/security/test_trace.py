"""``TRACE`` is a 405 everywhere (SPEC §16: the schema and the server agree; issue 17 saw a
400), with the methods that are allowed."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def _paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    sample = "00000000-0000-4000-8000-000000000000"
    paths = []
    for path in schema["paths"]:
        for name in ("id", "organization_pk", "project_pk", "projectId", "user_id"):
            path = path.replace("{" + name + "}", sample)
        paths.append(path.replace("{channel}", "DEV").replace("{token}", "x"))
    return sorted(paths)


@pytest.mark.parametrize(
    "path",
    [*_paths(), "/healthz", "/readyz", "/v/abcdefgh", "/player/", "/embed/v1/manifest", "/"],
)
def test_trace_is_405(path, users):
    client = Client()
    client.force_login(users["Owner"])
    response = client.generic("TRACE", path, "body", content_type="text/plain")
    assert response.status_code in (405, 404), response.content
    if response.status_code == 405:
        assert "TRACE" not in response["Allow"]
