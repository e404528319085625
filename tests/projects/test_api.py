"""The project endpoints (SPEC §4): role matrix, validation, lifecycle, filters, pagination
and query counts."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from backoffice.models import AuditEvent, Membership
from backoffice.roles import Role
from projects.constants import Status, Visibility
from projects.models import Project
from projects.services import project_activate, project_archive, project_grant_set
from tests.backoffice.factories import member
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
CODE_BY_STATUS = {401: "unauthenticated", 403: "insufficient_role", 404: "not_found"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


def grant(project: Project, role: Role, **principal) -> None:
    admin = member(project.organization, Role.ORGANIZATION_ADMIN)
    project_grant_set(actor=Actor.for_user(admin), project=project, role=role, **principal)


# Role matrix -------------------------------------------------------------------------------

PRINCIPALS = (
    "Viewer",
    "Developer",
    "ProjectManager",
    "OrganizationAdmin",
    "Owner",
    "elevated",  # an org Viewer made ProjectManager on this project by a grant
    "guest",  # a member of another organization with a Viewer grant on this project
    "other_admin",  # another organization's admin, no grant
    "anon",
)


def row(*statuses: int) -> dict[str, int]:
    assert len(statuses) == len(PRINCIPALS)
    return dict(zip(PRINCIPALS, statuses, strict=True))


#            Viewer Dev  PM  Admin Owner elev guest other anon
MATRIX = {
    "list": row(200, 200, 200, 200, 200, 200, 200, 200, 401),
    "retrieve": row(200, 200, 200, 200, 200, 200, 200, 404, 401),
    "retrieve_by_slug": row(200, 200, 200, 200, 200, 200, 200, 404, 401),
    "create": row(403, 403, 201, 201, 201, 403, 403, 403, 401),
    "put": row(403, 403, 200, 200, 200, 200, 403, 404, 401),
    "patch": row(403, 403, 200, 200, 200, 200, 403, 404, 401),
    "activate": row(403, 403, 200, 200, 200, 200, 403, 404, 401),
    "archive": row(403, 403, 403, 200, 200, 403, 403, 404, 401),
    "delete": row(403, 403, 403, 204, 204, 403, 403, 404, 401),
}

ENDPOINTS = {
    "list": ("get", "/api/Projects", None),
    "retrieve": ("get", "/api/Projects/{id}", None),
    "retrieve_by_slug": ("get", "/api/Projects/{slug}", None),
    # Naming the organization: the Owner belongs to none, and outsiders must be refused.
    "create": ("post", "/api/Projects?organizationId={org}", {"name": "Seguro Auto Q3"}),
    "put": ("put", "/api/Projects/{id}", {"name": "Renamed campaign"}),
    "patch": ("patch", "/api/Projects/{id}", {"description": "New brief"}),
    "activate": ("post", "/api/Projects/{id}/activate", None),
    "archive": ("post", "/api/Projects/{id}/archive", None),
    "delete": ("delete", "/api/Projects/{id}", None),
}

CASES = [
    pytest.param(endpoint, principal, status, id=f"{endpoint}-{principal}")
    for endpoint, statuses in MATRIX.items()
    for principal, status in statuses.items()
]


@pytest.fixture
def project(org):
    """A Draft, organization-wide project made by a ProjectManager who is none of the
    principals (so "the creator may delete" doesn't blur the matrix)."""
    return make_project(org, creator=member(org, Role.PROJECT_MANAGER))


@pytest.fixture
def client_of(users, other_org, other_admin, client_for, anon, project):
    def build(principal: str):
        if principal == "anon":
            return anon
        if principal == "other_admin":
            return client_for(other_admin)
        if principal == "elevated":
            viewer = member(project.organization, Role.VIEWER)
            grant(project, Role.PROJECT_MANAGER, user=viewer)
            return client_for(viewer)
        if principal == "guest":
            guest = member(other_org, Role.VIEWER)
            grant(project, Role.VIEWER, user=guest)
            return client_for(guest)
        return client_for(users[principal])

    return build


def call(client, endpoint: str, project: Project):
    method, path, body = ENDPOINTS[endpoint]
    url = path.format(id=project.pk, slug=project.slug, org=project.organization_id)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize(("endpoint", "principal", "status"), CASES)
def test_role_matrix(endpoint, principal, status, client_of, project):
    client = client_of(principal)
    projects_before = Project.objects.count()

    response = call(client, endpoint, project)

    if status >= 400:
        assert_problem(response, status, CODE_BY_STATUS[status])
        assert Project.objects.count() == projects_before
        unchanged = Project.objects.get(pk=project.pk)
        assert (unchanged.name, unchanged.description, unchanged.status) == (
            project.name,
            project.description,
            project.status,
        )
        return
    assert response.status_code == status, response.content
    if endpoint == "list":
        items = {item["id"]: item for item in response.json()["items"]}
        assert (str(project.pk) in items) is (principal != "other_admin")
    elif endpoint.startswith("retrieve"):
        assert response.json()["id"] == str(project.pk)
    elif endpoint == "create":
        created = Project.objects.get(pk=response.json()["id"])
        assert (created.organization, created.name) == (project.organization, "Seguro Auto Q3")
    elif endpoint == "delete":
        assert not Project.objects.filter(pk=project.pk).exists()
    else:
        project.refresh_from_db()
        expected = {
            "put": ("Renamed campaign", Status.DRAFT),
            "patch": ("Credit Card Pre-Approval Q2", Status.DRAFT),
            "activate": ("Credit Card Pre-Approval Q2", Status.ACTIVE),
            "archive": ("Credit Card Pre-Approval Q2", Status.ARCHIVED),
        }[endpoint]
        assert (project.name, project.status) == expected
        assert response.json()["status"] == expected[1]


def test_guest_sees_the_project_as_external(client_of, project):
    guest = client_of("guest")

    listed = guest.get("/api/Projects").json()["items"]
    detail = guest.get(f"/api/Projects/{project.pk}").json()

    assert [item["ownership"] for item in listed] == ["External"]
    assert detail["ownership"] == "External"


@pytest.mark.parametrize("principal", ["Viewer", "OrganizationAdmin", "Owner", "elevated"])
def test_members_see_the_project_as_internal(principal, client_of, project):
    response = client_of(principal).get(f"/api/Projects/{project.pk}")

    assert response.json()["ownership"] == "Internal"


@pytest.mark.parametrize(
    "endpoint", ["put", "patch", "activate", "archive", "delete", "retrieve"], ids=str
)
def test_a_project_grant_elevates_on_that_project_only(endpoint, org, client_of, project):
    elevated = client_of("elevated")
    elsewhere = make_project(org, name="Another campaign")

    response = call(elevated, endpoint, elsewhere)

    if endpoint == "retrieve":
        assert response.status_code == 200  # as the org Viewer they are
    else:
        assert_problem(response, 403, "insufficient_role")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DEVELOPER, Role.PROJECT_MANAGER])
def test_the_creator_may_delete_their_project(role, org, client_for):
    creator = member(org, role)
    project = make_project(org, creator=creator)

    response = client_for(creator).delete(f"/api/Projects/{project.pk}")

    assert response.status_code == 204, response.content
    assert not Project.objects.filter(pk=project.pk).exists()


def test_a_read_token_cannot_write(users, client_for, project):
    client = client_for(users["OrganizationAdmin"], scope="read")

    assert client.get(f"/api/Projects/{project.pk}").status_code == 200
    assert_problem(
        client.patch(f"/api/Projects/{project.pk}", {"name": "x"}, format="json"),
        403,
        "insufficient_scope",
    )


def test_an_unknown_project_is_not_found(users, client_for):
    client = client_for(users["OrganizationAdmin"])

    assert_problem(client.get("/api/Projects/no-such-campaign"), 404, "not_found")
    assert_problem(
        client.get("/api/Projects/00000000-0000-0000-0000-000000000000"), 404, "not_found"
    )


# Validation ------------------------------------------------------------------------------

INVALID_BODIES = [
    pytest.param({"description": "no name"}, "name", id="missing-name"),
    pytest.param({"name": "   "}, "name", id="blank-name"),
    pytest.param({"name": "x" * 256}, "name", id="name-256"),
    pytest.param({"name": "ok", "description": "x" * 1001}, "description", id="description-1001"),
    pytest.param({"name": "ok", "jobCode": "J" * 21}, "jobCode", id="jobcode-21"),
    pytest.param({"name": "ok", "externalId": "x" * 256}, "externalId", id="externalid-256"),
    pytest.param({"name": "ok", "locale": "spanish!"}, "locale", id="bad-locale"),
    pytest.param({"name": "ok", "locale": "es_CL"}, "locale", id="underscore-locale"),
    pytest.param({"name": "ok", "visibility": "Secret"}, "visibility", id="bad-visibility"),
    pytest.param({"name": "ok", "tags": ["ok", "t" * 51]}, "tags", id="tag-51"),
    pytest.param({"name": "ok", "tags": "q2"}, "tags", id="tags-not-a-list"),
]


def _assert_invalid_field(response, field: str) -> None:
    body = assert_problem(response, 400, "invalid_request")
    keys = set(body["errors"])
    # A list item's error is keyed under its field ("tags.1").
    assert any(key == field or key.startswith(f"{field}.") for key in keys), keys


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
def test_create_rejects_invalid_fields(body, field, users, client_for):
    response = client_for(users["ProjectManager"]).post("/api/Projects", body, format="json")

    _assert_invalid_field(response, field)
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        pytest.param(method, *case.values, id=f"{method}-{case.id}")
        for method in ("put", "patch")
        for case in INVALID_BODIES
        if case.id != "missing-name"  # PUT and PATCH may leave it out (SPEC §16)
    ],
)
def test_update_rejects_invalid_fields(method, body, field, users, client_for, project):
    client = client_for(users["ProjectManager"])

    response = getattr(client, method)(f"/api/Projects/{project.pk}", body, format="json")

    _assert_invalid_field(response, field)
    assert Project.objects.get(pk=project.pk).name == project.name


def test_a_tag_error_names_the_item(users, client_for):
    response = client_for(users["ProjectManager"]).post(
        "/api/Projects", {"name": "ok", "tags": ["ok", "t" * 51]}, format="json"
    )

    assert set(assert_problem(response, 400, "invalid_request")["errors"]) == {"tags.1"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=Nope", "status"),
        ("visibility=Secret", "visibility"),
        ("ordering=password", "ordering"),
        ("ordering=created_at", "ordering"),  # the API names fields in camelCase
        ("parentId=not-a-uuid", "parentId"),
        ("createdBy=42", "createdBy"),
        (f"tag={'t' * 51}", "tag"),
        ("organizationId=banco", "organizationId"),
        ("limit=0", "limit"),
        ("cursor=garbage", "cursor"),
    ],
)
def test_list_rejects_invalid_parameters(query, field, users, client_for):
    response = client_for(users["Viewer"]).get(f"/api/Projects?{query}")

    body = assert_problem(response, 400, "invalid_request")
    assert set(body["errors"]) == {field}


def test_create_returns_the_full_project(users, client_for, org):
    pm = users["ProjectManager"]

    response = client_for(pm).post(
        "/api/Projects",
        {
            "name": "  Crédito Pre-Aprobado Q2 ",
            "description": "Pre-approved credit",
            "visibility": "Private",
            "jobCode": "JC-2024-07",
            "externalId": "crm-991",
            "category": " Credit ",
            "tags": ["Q2", "q2", " Cards ", "CARDS", "retail"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body | {"id": None, "createdAt": None, "updatedAt": None} == {
        "id": None,
        "organizationId": str(org.pk),
        "name": "Crédito Pre-Aprobado Q2",
        "slug": "credito-pre-aprobado-q2",
        "description": "Pre-approved credit",
        "status": "Draft",
        "visibility": "Private",
        "jobCode": "JC-2024-07",
        "externalId": "crm-991",
        "category": "credit",
        "tags": ["q2", "cards", "retail"],
        "parentId": None,
        "locale": "",
        "effectiveLocale": "es-CL",
        "ownership": "Internal",
        "commentCount": 0,
        "thumbnails": {"small": None, "medium": None, "large": None},
        "createdAt": None,
        "createdBy": str(pm.pk),
        "createdByName": pm.display_name,
        "updatedAt": None,
        "archivedAt": None,
        "trashedAt": None,
        "templates": [],
        "distributionChannels": body["distributionChannels"],
        "publicVideoShares": [],
    }
    assert [c["channel"] for c in body["distributionChannels"]] == ["DEV", "STAGING", "PROD"]
    assert Project.objects.get(pk=body["id"]).tags == ["q2", "cards", "retail"]


def test_created_by_name_falls_back_to_the_email(org, client_for):
    """Seed 000's ``createdBy`` is the UUID; the name beside it is the display name, else
    the e-mail (seed 001's ``created_by``)."""
    nameless = member(org, Role.PROJECT_MANAGER, display_name="")
    client = client_for(nameless)

    created = client.post("/api/Projects", {"name": "Sin nombre"}, format="json").json()
    listed = client.get("/api/Projects").json()["items"][0]

    for body in (created, listed):
        assert (body["createdBy"], body["createdByName"]) == (str(nameless.pk), nameless.email)


def test_the_locale_overrides_the_organization_default(users, client_for):
    response = client_for(users["ProjectManager"]).post(
        "/api/Projects", {"name": "Campaña", "locale": "es-MX"}, format="json"
    )

    assert (response.json()["locale"], response.json()["effectiveLocale"]) == ("es-MX", "es-MX")


def _described_private_project(org) -> Project:
    return make_project(
        org,
        description="Brief",
        visibility=Visibility.PRIVATE,
        locale="es-MX",
        job_code="JC-1",
        external_id="crm-1",
        category="credit",
        tags=["q2"],
    )


def _editable(project: Project) -> tuple:
    project.refresh_from_db()
    return (
        project.name,
        project.description,
        project.visibility,
        project.locale,
        project.job_code,
        project.external_id,
        project.category,
        project.tags,
    )


def test_put_changes_only_the_fields_it_names(users, client_for, org):
    """Seed 000 documents PUT as "update name or description": the rest stays, so a Private
    project stays Private."""
    project = _described_private_project(org)

    response = client_for(users["OrganizationAdmin"]).put(
        f"/api/Projects/{project.pk}", {"name": "Renamed", "description": "New"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert _editable(project) == (
        "Renamed",
        "New",
        Visibility.PRIVATE,
        "es-MX",
        "JC-1",
        "crm-1",
        "credit",
        ["q2"],
    )
    viewer = client_for(users["Viewer"])
    assert viewer.get(f"/api/Projects/{project.pk}").status_code == 404


def test_put_without_a_name_keeps_the_name(users, client_for, org):
    project = _described_private_project(org)

    response = client_for(users["OrganizationAdmin"]).put(
        f"/api/Projects/{project.pk}", {"jobCode": "JC-2"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert _editable(project)[0::4] == ("Credit Card Pre-Approval Q2", "JC-2")


@pytest.mark.parametrize("method", ["put", "patch"])
def test_null_clears_an_optional_field(users, client_for, org, method):
    project = _described_private_project(org)
    body = dict.fromkeys(["description", "locale", "jobCode", "externalId", "category", "tags"])

    response = getattr(client_for(users["OrganizationAdmin"]), method)(
        f"/api/Projects/{project.pk}", body, format="json"
    )

    assert response.status_code == 200, response.content
    assert _editable(project) == (
        "Credit Card Pre-Approval Q2",
        "",
        Visibility.PRIVATE,
        "",
        "",
        "",
        "",
        [],
    )
    assert (response.json()["locale"], response.json()["effectiveLocale"]) == ("", "es-CL")


def test_locale_null_drops_the_override(users, client_for, org):
    project = _described_private_project(org)

    response = client_for(users["OrganizationAdmin"]).patch(
        f"/api/Projects/{project.pk}", {"locale": None}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["effectiveLocale"] == org.default_locale
    event = AuditEvent.objects.filter(event_type="PROJECT_UPDATED").get()
    assert set(event.changes) == {"locale"}


@pytest.mark.parametrize("field", ["name", "visibility"])
def test_a_required_field_can_not_be_cleared(users, client_for, org, field):
    project = _described_private_project(org)

    response = client_for(users["OrganizationAdmin"]).put(
        f"/api/Projects/{project.pk}", {field: None}, format="json"
    )

    body = assert_problem(response, 400, "invalid_request")
    assert field in body["errors"]
    assert _editable(project)[:3] == ("Credit Card Pre-Approval Q2", "Brief", "Private")


def test_patch_changes_only_the_given_fields(users, client_for, org):
    project = make_project(
        org, description="Brief", visibility=Visibility.PRIVATE, job_code="JC-1", tags=["q2"]
    )

    response = client_for(users["OrganizationAdmin"]).patch(
        f"/api/Projects/{project.pk}", {"category": "Credit", "tags": ["Cards"]}, format="json"
    )

    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert (
        project.name,
        project.description,
        project.visibility,
        project.job_code,
        project.category,
        project.tags,
    ) == ("Credit Card Pre-Approval Q2", "Brief", "Private", "JC-1", "credit", ["cards"])


def test_the_slug_is_stable_on_rename(users, client_for, org):
    project = make_project(org, name="Crédito Pre-Aprobado Q2")
    client = client_for(users["ProjectManager"])

    response = client.patch(f"/api/Projects/{project.pk}", {"name": "Seguro Q3"}, format="json")

    assert (response.json()["name"], response.json()["slug"]) == (
        "Seguro Q3",
        "credito-pre-aprobado-q2",
    )
    assert client.get("/api/Projects/credito-pre-aprobado-q2").json()["id"] == str(project.pk)


def test_the_id_cannot_be_changed(users, client_for, project):
    response = client_for(users["ProjectManager"]).patch(
        f"/api/Projects/{project.pk}",
        {"id": "00000000-0000-0000-0000-000000000000", "slug": "hijack", "status": "Active"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["slug"], response.json()["status"]) == (
        str(project.pk),
        project.slug,
        "Draft",
    )


def test_a_slug_shared_by_two_organizations_needs_the_organization(
    users, client_for, org, other_org
):
    ours = make_project(org, name="Shared name")
    make_project(other_org, name="Shared name")
    owner = client_for(users["Owner"])

    body = assert_problem(owner.get("/api/Projects/shared-name"), 400, "invalid_request")
    assert set(body["errors"]) == {"organizationId"}
    response = owner.get(f"/api/Projects/shared-name?organizationId={org.pk}")
    assert response.json()["id"] == str(ours.pk)


# Lifecycle -------------------------------------------------------------------------------


def _in_status(project: Project, status: str) -> Project:
    actor = Actor.system("tests")
    if status == Status.ACTIVE:
        project_activate(actor=actor, project=project)
    elif status == Status.ARCHIVED:
        project_archive(actor=actor, project=project)
    project.refresh_from_db()
    return project


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (Status.DRAFT, "activate", Status.ACTIVE),
        (Status.DRAFT, "archive", Status.ARCHIVED),
        (Status.ACTIVE, "archive", Status.ARCHIVED),
    ],
)
def test_allowed_transitions(start, action, end, users, client_for, project):
    project = _in_status(project, start)

    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/{action}")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == end
    project.refresh_from_db()
    assert project.status == end
    assert (project.archived_at is not None) is (end == Status.ARCHIVED)
    assert (response.json()["archivedAt"] is not None) is (end == Status.ARCHIVED)


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (Status.ACTIVE, "activate"),
        (Status.ARCHIVED, "activate"),
        (Status.ARCHIVED, "archive"),
    ],
)
def test_other_transitions_are_refused(start, action, users, client_for, project):
    project = _in_status(project, start)
    events_before = AuditEvent.objects.filter(project_id=project.pk).count()

    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/{action}")

    assert_problem(response, 409, "invalid_transition")
    refreshed = Project.objects.get(pk=project.pk)
    assert (refreshed.status, refreshed.archived_at) == (start, project.archived_at)
    assert AuditEvent.objects.filter(project_id=project.pk).count() == events_before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_archived_project_is_read_only(method, users, client_for, project):
    project = _in_status(project, Status.ARCHIVED)
    client = client_for(users["OrganizationAdmin"])

    response = getattr(client, method)(
        f"/api/Projects/{project.pk}", {"name": "Renamed"}, format="json"
    )

    assert_problem(response, 409, "conflict")
    assert Project.objects.get(pk=project.pk).name == project.name
    assert client.get(f"/api/Projects/{project.pk}").status_code == 200


def test_an_archived_project_can_still_be_deleted(users, client_for, project):
    project = _in_status(project, Status.ARCHIVED)

    response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{project.pk}")

    assert response.status_code == 204


# Filters, ordering, pagination -----------------------------------------------------------


@pytest.fixture
def catalogue(org, users):
    """Projects with distinct values for every filter, keyed by a short name."""
    pm, admin = users["ProjectManager"], users["OrganizationAdmin"]
    parent = make_project(org, creator=admin, name="Parent campaign", category="Umbrella")
    projects = {
        "parent": parent,
        "credit": make_project(
            org,
            creator=pm,
            name="Crédito Pre-Aprobado Q2",
            job_code="JC-77",
            category="Credit",
            tags=["q2", "cards"],
        ),
        "insurance": make_project(
            org,
            creator=pm,
            name="Seguro Auto",
            description="Car insurance renewal mailing",
            category="Insurance",
            tags=["renewal"],
            visibility=Visibility.PRIVATE,
        ),
        "archived": make_project(org, creator=admin, name="Old welcome", tags=["Q2"]),
        "active": make_project(org, creator=admin, name="Bienvenida", category="Credit"),
    }
    project_archive(actor=Actor.system("tests"), project=projects["archived"])
    project_activate(actor=Actor.system("tests"), project=projects["active"])
    # Sub-projects have no endpoint yet (§10); the parent is set directly for the filter.
    Project.objects.filter(pk__in=[projects["credit"].pk, projects["insurance"].pk]).update(
        parent=parent
    )
    return projects


FILTERS = [
    ("status=Draft", {"parent", "credit", "insurance"}),
    ("status=Active", {"active"}),
    ("status=Archived", {"archived"}),
    ("visibility=Private", {"insurance"}),
    ("visibility=Organization", {"parent", "credit", "archived", "active"}),
    ("tag=q2", {"credit", "archived"}),
    ("tag=Q2", {"credit", "archived"}),
    ("tag=%20CARDS%20", {"credit"}),
    ("tag=none", set()),
    ("category=Credit", {"credit", "active"}),
    ("category=CREDIT", {"credit", "active"}),
    ("category=%20credit", {"credit", "active"}),
    ("parentId={parent}", {"credit", "insurance"}),
    ("parentId=null", {"parent", "archived", "active"}),
    ("parentId=null&category=credit", {"active"}),
    ("createdBy={pm}", {"credit", "insurance"}),
    ("search=seguro", {"insurance"}),  # name
    ("search=credito-pre", {"credit"}),  # slug
    ("search=jc-77", {"credit"}),  # job code
    ("search=RENEWAL", {"insurance"}),  # description
    ("search=campaign", {"parent"}),
    ("status=Draft&category=Credit", {"credit"}),
    ("", {"parent", "credit", "insurance", "archived", "active"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q or "none" for q, _ in FILTERS])
def test_list_filters(query, expected, catalogue, users, client_for):
    query = query.format(parent=catalogue["parent"].pk, pm=users["ProjectManager"].pk)

    response = client_for(users["OrganizationAdmin"]).get(f"/api/Projects?{query}")

    assert response.status_code == 200, response.content
    names = {str(project.pk): key for key, project in catalogue.items()}
    body = response.json()
    assert {names[item["id"]] for item in body["items"]} == expected
    assert body["total"] == len(expected)


def test_parent_id_must_be_a_uuid_or_null(users, client_for):
    response = client_for(users["Viewer"]).get("/api/Projects?parentId=none")

    body = assert_problem(response, 400, "invalid_request")
    assert set(body["errors"]) == {"parentId"}


def test_the_migration_lower_cases_stored_categories(org):
    project = make_project(org)
    Project.objects.filter(pk=project.pk).update(category="Tarjetas Crédito")
    migration = importlib.import_module("projects.migrations.0005_category_lower_case")

    migration.lower_case_categories(apps, None)

    project.refresh_from_db()
    assert project.category == "tarjetas crédito"


def test_filters_never_widen_visibility(catalogue, users, client_for):
    response = client_for(users["Viewer"]).get("/api/Projects?visibility=Private")

    assert response.json()["items"] == []


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Bienvenida", "Crédito Pre-Aprobado Q2", "Old welcome", "Parent campaign"]),
        ("-name", ["Parent campaign", "Old welcome", "Crédito Pre-Aprobado Q2", "Bienvenida"]),
        ("-createdAt", ["Bienvenida", "Old welcome", "Crédito Pre-Aprobado Q2", "Parent campaign"]),
        ("createdAt", ["Parent campaign", "Crédito Pre-Aprobado Q2", "Old welcome", "Bienvenida"]),
        (None, ["Bienvenida", "Old welcome", "Crédito Pre-Aprobado Q2", "Parent campaign"]),
    ],
)
def test_list_ordering(ordering, expected, catalogue, users, client_for):
    query = f"?ordering={ordering}" if ordering else ""

    response = client_for(users["Viewer"]).get(f"/api/Projects{query}")

    assert [item["name"] for item in response.json()["items"]] == expected


def test_pagination_gives_the_total_and_a_cursor_through_every_page(org, users, client_for):
    made = [make_project(org, name=f"Campaign {n}") for n in range(7)]
    newest_first = [str(project.pk) for project in reversed(made)]
    client = client_for(users["Viewer"])

    first = client.get("/api/Projects?limit=3").json()
    assert (first["total"], first["limit"], first["offset"]) == (7, 3, 0)
    seen = [item["id"] for item in first["items"]]
    cursor = first["nextCursor"]
    while cursor:
        page = client.get(f"/api/Projects?limit=3&cursor={cursor}").json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]

    assert seen == newest_first
    offset_page = client.get("/api/Projects?limit=3&offset=6").json()
    assert [item["id"] for item in offset_page["items"]] == newest_first[6:]
    assert offset_page["nextCursor"] is None


def test_the_total_counts_only_visible_projects(org, users, client_for):
    for n in range(3):
        make_project(org, name=f"Hidden {n}", visibility=Visibility.PRIVATE)
    make_project(org, name="Open")

    body = client_for(users["Viewer"]).get("/api/Projects?limit=1").json()

    assert body["total"] == 1


# Query counts ----------------------------------------------------------------------------

# Measured on PostgreSQL; each is a constant of the endpoint, whatever the number of rows:
#   list: token look-up, token last-used update, the caller's memberships (ownership), the
#         count, the page (one query with the visibility EXISTS subqueries);
#   detail: the same first three, the object, and for a non-admin its grants to the caller.
LIST_QUERIES = 5
# The detail adds one query per registered section (templates, distributionChannels).
# +1 each for the sections of apps above (templates, channels, public video shares).
DETAIL_QUERIES = {"OrganizationAdmin": 7, "grant_viewer": 8}


def _grant_viewer_sees(org, count: int):
    """A Viewer who sees ``count`` private projects, each through a direct grant."""
    viewer = member(org, Role.VIEWER)
    for n in range(count):
        project = make_project(org, name=f"Private {n}", visibility=Visibility.PRIVATE)
        grant(project, Role.VIEWER, user=viewer)
    return viewer


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_is_constant_for_an_admin(
    count, org, users, client_for, django_assert_num_queries
):
    for n in range(count):
        make_project(org, name=f"Campaign {n}", tags=["q2"], category="Credit")
    client = client_for(users["OrganizationAdmin"])

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/Projects?limit=200")

    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_is_constant_for_a_viewer_with_grants(
    count, org, client_for, django_assert_num_queries
):
    client = client_for(_grant_viewer_sees(org, count))

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/Projects?limit=200")

    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_is_constant_for_a_guest(
    count, org, other_org, client_for, django_assert_num_queries
):
    guest = member(other_org, Role.VIEWER)
    for n in range(count):
        grant(make_project(org, name=f"Campaign {n}"), Role.VIEWER, user=guest)
    client = client_for(guest)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/Projects?limit=200")

    assert [item["ownership"] for item in response.json()["items"]] == ["External"] * count


@pytest.mark.parametrize("grants", [1, 20])
@pytest.mark.parametrize("principal", ["OrganizationAdmin", "grant_viewer"])
def test_detail_query_count_is_constant(
    principal, grants, org, users, client_for, django_assert_num_queries
):
    project = make_project(org, tags=["q2", "cards"], visibility=Visibility.PRIVATE)
    for _ in range(grants):
        grant(project, Role.DEVELOPER, user=member(org, Role.VIEWER))
    if principal == "grant_viewer":
        user = member(org, Role.VIEWER)
        grant(project, Role.PROJECT_MANAGER, user=user)
    else:
        user = users[principal]
    client = client_for(user)

    with django_assert_num_queries(DETAIL_QUERIES[principal]):
        response = client.get(f"/api/Projects/{project.pk}")

    assert response.status_code == 200


def test_the_list_is_one_query_with_grant_subqueries(org, client_for):
    client = client_for(_grant_viewer_sees(org, 5))

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/Projects?limit=200")

    assert response.status_code == 200
    project_queries = [q["sql"] for q in captured if 'FROM "projects_project"' in q["sql"]]
    assert len(project_queries) == 2, project_queries  # the count and the page
    count_sql, page_sql = project_queries
    assert "COUNT(*)" in count_sql
    assert page_sql.endswith("LIMIT 200")
    for sql in (" ".join(sql.split()).replace("( ", "(") for sql in project_queries):
        # Grants are decided inside the query, not by a list of ids built in Python.
        assert "projects_projectuserobjectpermission" in sql
        assert "projects_projectgroupobjectpermission" in sql
        assert '"projects_project"."id" IN (\'' not in sql
    # Each row the page reads probes its own grants (EXISTS on the project's id); the count
    # takes the rule's two halves apart and looks the grants up by their ids.
    assert '"content_object_id" = "projects_project"."id"' in page_sql
    assert "= ANY(ARRAY(" in count_sql
    grant_tables = [
        q["sql"]
        for q in captured
        if "objectpermission" in q["sql"] and 'FROM "projects_project"' not in q["sql"]
    ]
    assert grant_tables == []  # no permission is loaded row by row


def test_a_creators_delete_still_checks_the_forwarded_role(org, other_org, client_for):
    # In two organizations, so the request names none and only the project's org can decide.
    creator = member(org, Role.PROJECT_MANAGER)
    Membership.objects.create(user=creator, organization=other_org, role=Role.VIEWER)
    project = make_project(org, creator=creator)

    response = client_for(creator).delete(
        f"/api/Projects/{project.pk}", HTTP_X_PERCUS_FORWARDED_ORG_ROLE="OrganizationAdmin"
    )

    assert_problem(response, 403, "role_mismatch")
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("viewer", ["ProjectManager", "guest"])
def test_list_representation_matches_the_declared_fields(viewer, org, other_org, users):
    """``ProjectSerializer.to_representation`` reads the row directly; it must say exactly
    what DRF's generic path says from the declared fields, keys in the same order."""
    from django.utils import timezone
    from rest_framework.test import APIRequestFactory

    from projects.api.serializers import ProjectSerializer

    parent = make_project(org, name="Parent")
    child = make_project(
        org,
        users["ProjectManager"],
        name="Child",
        description="Pre-approved credit",
        tags=["q2", "cards"],
        locale="es-MX",
        job_code="JC-7",
        external_id="crm-1",
        category="Credit",
    )
    project_archive(actor=Actor.system("tests"), project=child)
    Project.objects.filter(pk=child.pk).update(
        parent=parent, thumbnail_small="org/x/small.png", trashed_at=timezone.now()
    )
    request = APIRequestFactory().get("/api/Projects")
    request.user = users["ProjectManager"] if viewer != "guest" else member(other_org, Role.VIEWER)
    serializer = ProjectSerializer(context={"request": request})

    for project in Project.objects.with_annotations().select_related("organization", "created_by"):
        fast = serializer.to_representation(project)
        generic = super(ProjectSerializer, serializer).to_representation(project)
        assert list(fast.items()) == list(generic.items())


def test_list_representation_does_not_build_the_declared_fields(org, users):
    """Building the declared fields (``ModelSerializer`` introspection) cost ~1 ms a list
    page; the list's rows are written without them."""
    from rest_framework.test import APIRequestFactory

    from projects.api.serializers import ProjectSerializer

    make_project(org, name="One")
    request = APIRequestFactory().get("/api/Projects")
    request.user = users["OrganizationAdmin"]
    serializer = ProjectSerializer(context={"request": request})
    project = Project.objects.with_annotations().select_related("organization", "created_by")[0]

    assert serializer.to_representation(project)["name"] == "One"
    assert "fields" not in serializer.__dict__  # DRF caches the built fields there
    assert serializer.fields["createdAt"]  # and they are there when asked for
    assert "fields" in serializer.__dict__
