"""The schema declares the bounds the server enforces on ``limit`` and ``offset`` (SPEC §16:
schemathesis found ``limit=0`` refused with no declared minimum)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from backoffice.api.pagination import MAX_OFFSET

pytestmark = pytest.mark.django_db


def _parameters(name: str) -> list[dict]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        parameter["schema"]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == name and parameter["in"] == "query"
    ]


def test_limit_declares_its_minimum():
    found = _parameters("limit")
    assert found
    assert all(schema["minimum"] == 1 and schema["maximum"] == MAX_OFFSET for schema in found)


def test_offset_declares_its_bounds():
    found = _parameters("offset")
    assert found
    assert all(schema["minimum"] == 0 and schema["maximum"] == MAX_OFFSET for schema in found)


@pytest.mark.parametrize(("limit", "status"), [("0", 400), ("1", 200), ("201", 200)])
def test_the_server_enforces_what_the_schema_says(limit, status, users, client_for):
    response = client_for(users["Viewer"]).get("/api/Projects", {"limit": limit})
    assert response.status_code == status
    if status == 200:
        assert response.json()["limit"] == min(int(limit), 200)
