"""Requests the OpenAPI schema calls invalid are refused, and requests it calls valid are
read as documented (issue 17, found by schemathesis: ``negative_data_rejection``,
``positive_data_acceptance``)."""

import json
import re
from uuid import uuid4

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from projects.models import Project
from tests.collaboration.factories import make_comment, make_group
from tests.projects.factories import make_project

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


def test_a_patch_with_no_field_changes_nothing(org, users, client_for):
    """The schema's ``Patched…`` bodies have no required field; the server asked for
    ``requireProdApproval`` (organization) and ``name`` (user group): 400 on ``{}``."""
    admin = client_for(users["OrganizationAdmin"])
    response = admin.patch(f"/api/Organizations/{org.pk}", {}, format="json")
    assert response.status_code == 200, response.content
    group = make_group(org, name="Reviewers")
    url = f"/api/Organizations/{org.pk}/user-groups/{group.pk}"
    response = admin.patch(url, {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Reviewers"


@pytest.mark.parametrize("value", ["null", "yes", "1", "", "TRUE"])
def test_trashed_is_a_boolean(value, users, client_for):
    """``?trashed=null`` was read as false (200) although the schema says boolean."""
    client = client_for(users["OrganizationAdmin"])
    response = client.get(f"/api/Projects?trashed={value}")
    assert response.status_code == 400
    assert "trashed" in response.json()["errors"]
    assert client.get("/api/Projects?trashed=true").status_code == 200
    assert client.get("/api/Projects?trashed=false").status_code == 200


def test_a_typed_query_parameter_with_no_value_is_a_400(org, users, client_for):
    """django-filter read ``?createdBy=`` as no filter (200 with everything); the schema
    says ``format: uuid`` (or date-time, a choice …), which "" is not."""
    client = client_for(users["OrganizationAdmin"])
    project = make_project(org)
    for url, name in [
        ("/api/Projects?createdBy=", "createdBy"),
        ("/api/Projects?status=", "status"),
        (f"/api/Projects/{project.pk}/subprojects?createdBy=", "createdBy"),
        (f"/api/Organizations/{org.pk}/audit-events?projectId=", "projectId"),
        (f"/api/Organizations/{org.pk}/audit-events?createdAfter=", "createdAfter"),
        (f"/api/Projects/{project.pk}/stats?to=", "to"),
    ]:
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert name in response.json()["errors"], url
    # Text filters take "", and ``ordering`` is an array: empty is the empty list.
    assert client.get("/api/Projects?search=&ordering=").status_code == 200


def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def test_the_schema_declares_the_patterns_the_server_checks():
    """A locale the server refuses (``"0000"``) and a webhook URL it refuses (``"0"``) were
    schema-valid strings."""
    schemas = _schema()["components"]["schemas"]
    locale = schemas["ProjectWriteRequest"]["properties"]["locale"]
    assert re.match(locale["pattern"], "es-CL")
    assert re.match(locale["pattern"], "")
    assert not re.match(locale["pattern"], "0000")
    for name in ("WebhookEndpointCreateRequest", "PatchedWebhookEndpointUpdateRequest"):
        url = schemas[name]["properties"]["url"]
        assert re.match(url["pattern"], "https://crm.example.com/hooks")
        assert not re.match(url["pattern"], "0")
        assert not re.match(url["pattern"], "https://user:pw@crm.example.com/")


def test_a_webhook_url_that_is_not_one_is_refused_by_the_serializer(org, users, client_for):
    admin = client_for(users["OrganizationAdmin"])
    response = admin.post(
        f"/api/Organizations/{org.pk}/webhooks",
        {"url": "0", "events": ["share.created"]},
        format="json",
    )
    assert response.status_code == 400
    assert "absolute" in response.json()["errors"]["url"][0]


def test_an_empty_comment_patch_changes_nothing_and_only_for_the_author(org, users, client_for):
    project = make_project(org)
    author = users["ProjectManager"]
    comment = make_comment(project, author, "First draft")
    url = f"/api/Projects/{project.pk}/comments/{comment.pk}"
    response = client_for(author).patch(url, {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "First draft"
    assert client_for(users["OrganizationAdmin"]).patch(url, {}, format="json").status_code == 403


def test_the_schema_declares_what_parent_id_takes(users, client_for):
    """``parentId`` was a plain string in the schema; the server takes a UUID or ``null``."""
    parameters = _schema()["paths"]["/api/Projects"]["get"]["parameters"]
    pattern = next(p for p in parameters if p["name"] == "parentId")["schema"]["pattern"]
    client = client_for(users["OrganizationAdmin"])
    for value, valid in [("null", True), (str(uuid4()), True), ("The quick fox", False)]:
        assert bool(re.match(pattern, value)) is valid
        response = client.get("/api/Projects", {"parentId": value})
        assert response.status_code == (200 if valid else 400), value


@pytest.mark.parametrize("query", ["limit=", "offset=", "limit=&offset="])
def test_an_empty_limit_or_offset_is_not_a_number(query, users, client_for):
    """``/api/tokens?offset=&limit=`` was read as the defaults (200); the schema says integer."""
    response = client_for(users["OrganizationAdmin"]).get(f"/api/tokens?{query}")
    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"limit", "offset"}


def test_the_schema_declares_the_branding_rules(org, users, client_for):
    """``privacyPolicyUrl: "{Á"`` was schema-valid and refused (400)."""
    fields = _schema()["components"]["schemas"]["BrandingWriteRequest"]["properties"]
    url, colour = fields["privacyPolicyUrl"], fields["brandColour"]
    assert not re.match(url["pattern"], "{Á")
    assert re.match(url["pattern"], "https://bank.example/privacy")
    assert re.match(colour["pattern"], "#004481")
    assert not re.match(colour["pattern"], "blue")
    assert fields["displayName"]["maxLength"] == 120
    admin = client_for(users["OrganizationAdmin"])
    response = admin.put(
        f"/api/Organizations/{org.pk}/branding", {"privacyPolicyUrl": "{Á"}, format="json"
    )
    assert response.status_code == 400
    assert "privacyPolicyUrl" in response.json()["errors"]


def test_a_signed_file_is_documented_in_any_media_type():
    """A template's manifest is served as ``application/json``, its video as ``video/mp4``;
    the schema said ``application/octet-stream`` (schemathesis ST105 in the stateful phase)."""
    responses = _schema()["paths"]["/api/files/{token}"]["get"]["responses"]
    assert responses["200"]["content"] == {"*/*": {"schema": {}}}


def test_a_name_of_whitespace_is_refused_and_the_schema_says_so(org, users, client_for):
    """``"name": "\\x1d"`` (length 1, whitespace to Python) was schema-valid and refused."""
    name = _schema()["components"]["schemas"]["PatchedProjectUpdateRequest"]["properties"]["name"]
    assert not re.search(name["pattern"], "\x1d \t")
    assert re.search(name["pattern"], " Cards ")
    project = make_project(org)
    response = client_for(users["OrganizationAdmin"]).patch(
        f"/api/Projects/{project.pk}", {"name": "\x1d"}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("ana.lopez+q2@banco.example.com", True),
        ("0@0.a", False),  # format: email admitted it, Django refused it
        ("ana@banco.00", False),  # Django's top-level label has letters only
        ("ana@banco.xn--p1ai", True),  # or is punycode
        ("ana@localhost", False),  # Django admitted it, the schema did not
        ('"ana lopez"@banco.example.com', False),  # a quoted local part
        ("ana@[10.0.0.1]", False),  # a domain literal
    ],
)
def test_an_invited_address_is_accepted_exactly_when_the_schema_says(
    address, valid, org, users, client_for
):
    """bench/fuzz_api.py: ``format: email`` admitted ``0@0.a``, which the server refused; the
    e-mail fields of requests now declare the rule the server applies, as a pattern."""
    schemas = _schema()["components"]["schemas"]
    for name in ("InvitationCreateRequest", "GuestInviteRequest"):
        email = schemas[name]["properties"]["email"]
        assert "format" not in email
        assert bool(re.match(email["pattern"], address)) is valid

    admin = client_for(users["OrganizationAdmin"])
    body = {"email": address, "role": "Viewer"}
    response = admin.post(f"/api/Organizations/{org.pk}/invitations", body, format="json")
    assert response.status_code == (201 if valid else 400), response.content
    project = make_project(org)
    response = admin.post(f"/api/Projects/{project.pk}/guests", body, format="json")
    assert response.status_code == (202 if valid else 400), response.content
    if not valid:
        assert "email" in response.json()["errors"]
