"""Schemathesis against ``/api/schema`` (issue 11): every operation gets a few generated
requests through the real WSGI app, authenticated as an OrganizationAdmin with a bearer token;
no 5xx, and responses match their documented status codes, content types and schemas.

Bounded (a few examples per operation, no shrinking deadline) so the whole file stays well
under a minute and a half.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis import checks

from backoffice.roles import Role
from tests.backoffice.factories import OrganizationFactory, member, token_for
from tests.projects.factories import make_project


def _load_schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_load_schema())
schema.app = get_wsgi_application()

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request; the test's
    transaction lives on it, so do as Django's test client does and keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, settings, _keep_the_test_connection):
    settings.AUTH_FAILURE_LIMIT = (10_000, 60)
    settings.CREDENTIAL_RATE_LIMIT = (10_000, 60)
    organization = OrganizationFactory()
    admin = member(organization, Role.ORGANIZATION_ADMIN)
    make_project(organization, creator=admin, name="Fuzzed campaign")
    return token_for(admin)


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_schema(case, admin_token):
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=CHECKS)
