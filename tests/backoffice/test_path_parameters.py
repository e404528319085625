"""Path parameters (SPEC §16: the OpenAPI schema matches the server exactly; ARCHITECTURE
"Path parameters"): one naming convention, every id typed ``uuid`` in the schema and admitted
only as a UUID by the URL patterns, so that anything else is a 404 problem — never a 400 or a
5xx. A project is also addressed by its slug, and a channel by its name in any case: the
schema says exactly that."""

import json
import re
import uuid

import pytest
from rest_framework.test import APIClient

from backoffice.roles import Role
from tests.backoffice.factories import member, token_for
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

#: ``{id}`` is the resource the path addresses; its parents and other ids are ``{…Id}``.
ID_NAME = re.compile(r"^(?:id|[a-z]+Id)$")
#: The only path parameters that are not ids: a channel's name and a signed file link.
NAMED_VALUES = {"channel", "token"}

UUID_SCHEMA = {"type": "string", "format": "uuid"}
PROJECT_SCHEMA = {"anyOf": [UUID_SCHEMA, {"type": "string", "pattern": "^[a-z0-9_-]+$"}]}

#: Values an id parameter must refuse: not a word, hyphens only, 36 digits, a plain word,
#: 32 hex digits with no hyphens, a UUID in braces.
NOT_UUIDS = [
    "not-a-uuid",
    "-" * 36,
    "1" * 36,
    "NOT_A_UUID",
    "0" * 32,
    "%7B" + str(uuid.UUID(int=1)) + "%7D",
]


@pytest.fixture
def schema(anon) -> dict:
    response = anon.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def path_parameters(schema: dict) -> list[tuple[str, str, dict]]:
    """``(path, method, parameter)`` of every path parameter of every operation."""
    return [
        (path, method, parameter)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]


def addresses_a_project(path: str, name: str) -> bool:
    return name == "projectId" or (name == "id" and path.startswith("/api/Projects/{id}"))


def test_every_path_parameter_follows_the_naming_convention(schema):
    names = {parameter["name"] for _, _, parameter in path_parameters(schema)}
    assert names, "the schema has path parameters"
    wrong = sorted(name for name in names if not ID_NAME.match(name) and name not in NAMED_VALUES)
    assert not wrong, wrong
    # The parents the API has, each spelled one way.
    assert {"id", "projectId", "organizationId", "webhookId", "userId", "channel"} <= names
    for path in schema["paths"]:
        placeholders = re.findall(r"\{([^}]+)\}", path)
        assert len(placeholders) == len(set(placeholders)), path


def test_every_id_path_parameter_is_a_uuid(schema):
    ids = [
        (path, method, parameter)
        for path, method, parameter in path_parameters(schema)
        if parameter["name"] not in NAMED_VALUES
    ]
    assert len(ids) > 100
    for path, method, parameter in ids:
        expected = PROJECT_SCHEMA if addresses_a_project(path, parameter["name"]) else UUID_SCHEMA
        assert parameter["schema"] == expected, (method, path, parameter)
        assert parameter["required"] is True


def test_the_channel_parameter_admits_the_three_channels_in_any_case(schema):
    patterns = {
        parameter["schema"]["pattern"]
        for _, _, parameter in path_parameters(schema)
        if parameter["name"] == "channel"
    }
    assert len(patterns) == 1
    # The ECMA-262 pattern of the schema, read by Python's ``re`` (same syntax here).
    pattern = re.compile(patterns.pop())
    for accepted in ("DEV", "STAGING", "PROD", "dev", "Staging", "pRoD"):
        assert pattern.search(accepted), accepted
    for refused in ("", "QA", "DEVS", "PRODUCTION", "DEV/", " PROD"):
        assert not pattern.search(refused), refused


@pytest.fixture
def admin_world(org, settings) -> tuple[APIClient, object, dict[str, str]]:
    """A client of an OrganizationAdmin of ``org`` with a project, and values that are valid
    for every parameter but the one under test."""
    settings.AUTH_FAILURE_LIMIT = (10_000, 60)
    admin = member(org, Role.ORGANIZATION_ADMIN)
    project = make_project(org, creator=admin, name="Path parameters")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(admin)}")
    valid = {
        "organizationId": str(org.pk),
        "projectId": str(project.pk),
        "userId": str(admin.pk),
        "webhookId": str(uuid.uuid4()),
        "channel": "DEV",
        "token": "any",
    }
    return client, project, valid


def _call(client, method: str, url: str):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, {}, format="json")
    return getattr(client, method)(url)


def test_a_non_uuid_id_is_a_404_problem_on_every_operation(schema, admin_world):
    client, project, valid = admin_world
    failures = []
    checked = 0
    for path, method, parameter in path_parameters(schema):
        name = parameter["name"]
        if name in NAMED_VALUES:
            continue
        for bad in NOT_UUIDS:
            addressed = str(project.pk) if path.startswith("/api/Projects/{id}") else None
            values = {**valid, "id": addressed or str(uuid.uuid4()), name: bad}
            url = re.sub(r"\{([^}]+)\}", lambda m, v=values: v[m.group(1)], path)
            response = _call(client, method, url)
            checked += 1
            if response.status_code != 404 or response["Content-Type"] != PROBLEM:
                failures.append((method.upper(), path, name, bad, response.status_code))
            elif response.json()["status"] != 404:
                failures.append((method.upper(), path, name, bad, "body"))
    assert checked > 500
    assert not failures, failures


def test_what_the_schema_admits_is_served(admin_world):
    """An upper-case UUID, a slug and a lower-case channel name are routed, not 404."""
    client, project, valid = admin_world
    upper = str(project.pk).upper()
    assert client.get(f"/api/Projects/{upper}").status_code == 200
    assert client.get(f"/api/Projects/{project.slug}").status_code == 200
    assert client.get(f"/api/Projects/{upper}/comments").status_code == 200
    assert client.get(f"/api/Projects/{project.slug}/distribution-channels").status_code == 200
    organization = valid["organizationId"].upper()
    assert client.get(f"/api/Organizations/{organization}/members").status_code == 200
    user = valid["userId"].upper()
    response = client.put(
        f"/api/Organizations/{organization}/members/{user}/role",
        {"role": "OrganizationAdmin"},
        format="json",
    )
    assert response.status_code == 200, response.content
    created = client.put(
        f"/api/Projects/{project.pk}/public-video-shares/prod",
        {"publicTitle": "Offer"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "PROD"
    assert client.get(f"/api/Projects/{project.pk}/public-video-shares/Prod").status_code == 200
    refused = client.get(f"/api/Projects/{project.pk}/public-video-shares/QA")
    assert refused.status_code == 404
    assert refused["Content-Type"] == PROBLEM


UNMATCHED = [
    "/api/Projects/{p}/comments/not-a-uuid",
    "/api/Projects/{p}/templates/xyz",
    "/api/Projects/{p}/members/xyz",
    "/api/Organizations/not-a-uuid",
    "/api/tokens/not-a-uuid",
    "/api/credentials/not-a-uuid",
    "/api/Projects/{p}/deploy-requests/xyz",
    "/api/Projects/{p}/public-video-shares/prodx",
    "/api/Projects/{p}/distribution-channels/QA/publish",
    "/api/projects",
    "/api/Projects/",
    "/api/nonexistent",
    "/api/",
    "/embed/v2/manifest",
]


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", UNMATCHED)
def test_an_unmatched_api_path_is_a_404_problem_even_with_debug_on(
    admin_world, settings, path, method
):
    """``bin/demo`` runs with DEBUG on, where Django would answer its technical 404 page
    (listing every route) instead of calling ``handler404``."""
    settings.DEBUG = True
    client, project, _ = admin_world
    client.enforce_csrf_checks = True
    response = _call(client, method, path.format(p=project.slug))
    assert response.status_code == 404, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"]) == (404, "not_found")
    assert b"URLconf" not in response.content
