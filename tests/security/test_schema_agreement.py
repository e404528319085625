"""Requests the OpenAPI schema calls invalid are refused, and requests it calls valid are
read as documented (issue 17, found by schemathesis: ``negative_data_rejection``,
``positive_data_acceptance``)."""

import pytest

from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_empty_organization_id_is_not_an_id(method, users, client_for):
    """``?organizationId=`` was read as absent: a project was created (201) in the caller's
    only organization although the schema says ``format: uuid``."""
    client = client_for(users["OrganizationAdmin"])
    before = Project.objects.count()
    if method == "GET":
        response = client.get("/api/Projects?organizationId=")
    else:
        response = client.post("/api/Projects?organizationId=", {"name": "Empty org"})
    assert response.status_code == 400, response.content
    assert "organizationId" in response.json()["errors"]
    assert Project.objects.count() == before
