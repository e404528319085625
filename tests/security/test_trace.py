"""``TRACE`` (and any method a path doesn't have) is a 405 with ``Allow`` on every path,
before authentication, path parameters or lookups (SPEC §16; issue 17 and schemathesis saw a
400 for a malformed id and a 401 anonymously)."""

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def _paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # A path that resolves, naming nothing that exists: the method is refused before any
    # lookup (or authentication) could answer 404 or 401.
    sample = "00000000-0000-4000-8000-000000000000"
    paths = []
    for path in schema["paths"]:
        path = path.replace("{channel}", "DEV").replace("{token}", "x")
        paths.append(re.sub(r"\{[^}]+\}", sample, path))
    return sorted(paths)


@pytest.mark.parametrize("path", _paths())
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "owner"])
def test_trace_on_an_api_path_is_405_first(path, signed_in, users):
    client = Client()
    if signed_in:
        client.force_login(users["Owner"])
    response = client.generic("TRACE", path, '{"a": 1}', content_type="application/json")
    assert response.status_code == 405, response.content
    assert response.json()["code"] == "method_not_allowed"
    assert "TRACE" not in response["Allow"]
    assert "OPTIONS" in response["Allow"]


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/v/abcdefgh", "/player/", "/embed/v1/manifest", "/"]
)
def test_trace_on_a_page_is_405(path):
    assert Client().generic("TRACE", path).status_code == 405


def test_options_on_every_api_path_is_never_a_5xx(users, org):
    """DRF's OPTIONS metadata looked objects up as for a write: a 500 on the branding
    singleton (schemathesis ST101)."""
    client = Client()
    client.force_login(users["Owner"])
    failures = []
    for path in _paths():
        path = path.replace("00000000-0000-4000-8000-000000000000", str(org.pk))
        status = client.options(path).status_code
        if status >= 500:
            failures.append((path, status))
    assert failures == []
