"""The project history and the organization's audit log (SPEC §10): cursor pages, filters,
CSV export."""

import csv
import importlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.http import StreamingHttpResponse
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.audit import record_event
from backoffice.events import EventType
from backoffice.models import AuditEvent
from projects.services import project_update
from tests.collaboration.conftest import assert_problem
from tests.collaboration.factories import make_comment
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def history(client, project, query: str = "") -> dict:
    response = client.get(f"/api/Projects/{project.pk}/history{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_event_has_type_actor_targets_and_changes(users, client_for, project):
    admin = users["OrganizationAdmin"]
    project_update(actor=Actor.for_user(admin), project=project, description="Brief")

    [latest, *_] = history(client_for(users["Viewer"]), project)["items"]

    assert latest["eventType"] == "PROJECT_UPDATED"
    assert latest["actor"] == {
        "kind": "user",
        "id": None,
        "label": admin.email,
        "userId": str(admin.pk),
    }
    assert latest["targets"] == [{"type": "project", "id": str(project.pk), "label": project.name}]
    assert latest["changes"] == {"description": {"before": "", "after": "Brief"}}
    assert latest["createdAt"].endswith("Z")


def test_history_holds_only_this_projects_events_newest_first(users, client_for, org, project):
    other = make_project(org, name="Other")
    make_comment(project, users["Viewer"], "one")
    make_comment(other, users["Viewer"], "elsewhere")

    items = history(client_for(users["Viewer"]), project)["items"]

    assert [item["eventType"] for item in items] == ["COMMENT_ADDED", "PROJECT_CREATED"]


def test_cursor_paging_returns_every_event_once_while_new_events_arrive(users, client_for, project):
    for n in range(7):
        make_comment(project, users["Viewer"], f"before {n}")
    expected = set(AuditEvent.objects.filter(project_id=project.pk).values_list("id", flat=True))
    client = client_for(users["Viewer"])
    seen: list[str] = []
    query = "?limit=3"
    while True:
        page = history(client, project, query)
        seen += [item["id"] for item in page["items"]]
        make_comment(project, users["Viewer"], "arrives meanwhile")  # newer than any cursor
        if page["nextCursor"] is None:
            break
        query = f"?limit=3&cursor={page['nextCursor']}"

    assert len(seen) == len(set(seen))
    assert {str(pk) for pk in expected} == set(seen)


def test_an_invalid_history_cursor_is_a_400(users, client_for, project):
    response = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}/history?cursor=x!")

    assert set(assert_problem(response, 400)["errors"]) == {"cursor"}


# The organization's audit log ------------------------------------------------------------


@pytest.fixture
def admin_client(users, client_for):
    return client_for(users["OrganizationAdmin"])


def audit_url(org, query: str = "") -> str:
    return f"/api/Organizations/{org.pk}/audit-events{query}"


def test_the_audit_log_holds_only_this_organizations_events(admin_client, org, other_org, project):
    make_project(other_org, name="Theirs")

    items = admin_client.get(audit_url(org)).json()["items"]

    assert {item["organizationId"] for item in items} == {str(org.pk)}
    assert "PROJECT_CREATED" in {item["eventType"] for item in items}


def test_the_audit_log_filters(admin_client, users, org, project):
    other = make_project(org, name="Other")
    make_comment(project, users["Viewer"])
    make_comment(other, users["Developer"])

    by_project = admin_client.get(audit_url(org, f"?projectId={project.pk}")).json()["items"]
    by_actor = admin_client.get(audit_url(org, f"?actorUserId={users['Developer'].pk}"))
    by_type = admin_client.get(audit_url(org, "?eventType=COMMENT_ADDED")).json()["items"]
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    after = admin_client.get(audit_url(org, f"?createdAfter={future}")).json()["items"]
    before = admin_client.get(audit_url(org, f"?createdBefore={future}")).json()["items"]

    assert {item["projectId"] for item in by_project} == {str(project.pk)}
    assert [item["projectId"] for item in by_actor.json()["items"]] == [str(other.pk)]
    assert {item["eventType"] for item in by_type} == {"COMMENT_ADDED"}
    assert len(by_type) == 2
    assert after == []
    assert len(before) == AuditEvent.objects.filter(organization=org).count()


@pytest.mark.parametrize("query", ["?projectId=nope", "?createdAfter=yesterday"])
def test_bad_audit_filters_are_a_400(query, admin_client, org):
    assert_problem(admin_client.get(audit_url(org, query)), 400)


def _csv(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("path", ["/export", "?format=csv"])
def test_the_csv_export_streams_the_filtered_events(path, admin_client, users, org, project):
    viewer = users["Viewer"]
    make_comment(project, viewer, "Hola")
    record_event(
        event_type=EventType.PROJECT_UPDATED,
        actor=Actor(kind="system", label="=HYPERLINK(1)"),
        organization=org,
        project_id=project.pk,
    )

    joiner = "&" if "?" in path else "?"
    rows = _csv(admin_client.get(audit_url(org, f"{path}{joiner}projectId={project.pk}")))

    assert [row["eventType"] for row in rows] == [
        "PROJECT_UPDATED",
        "COMMENT_ADDED",
        "PROJECT_CREATED",
    ]
    comment = rows[1]
    assert comment["actorKind"] == "user"
    assert comment["actorUserId"] == str(viewer.pk)
    assert comment["projectId"] == str(project.pk)
    assert '"Hola"' in comment["changes"]
    assert comment["createdAt"].endswith("Z")
    assert rows[0]["actorLabel"] == "'=HYPERLINK(1)"  # never run as a formula


def test_the_csv_export_is_for_organization_admins(users, client_for, org):
    response = client_for(users["ProjectManager"]).get(audit_url(org, "/export"))

    assert_problem(response, 403)


# camelCase changes (SPEC §16) ----------------------------------------------------------------


def test_changes_name_the_fields_as_the_api_does(users, client_for, project):
    client = client_for(users["ProjectManager"])
    client.patch(
        f"/api/Projects/{project.pk}",
        {"jobCode": "JC-9", "externalId": "crm-9", "locale": "es-MX"},
        format="json",
    )

    [latest, *_] = history(client, project)["items"]

    assert latest["eventType"] == "PROJECT_UPDATED"
    assert set(latest["changes"]) == {"jobCode", "externalId", "locale"}
    created = AuditEvent.objects.get(project_id=project.pk, event_type="PROJECT_CREATED")
    assert "jobCode" in created.changes
    assert "job_code" not in created.changes


def test_the_migration_camel_cases_stored_changes(project):
    old = AuditEvent.objects.get(project_id=project.pk, event_type="PROJECT_CREATED")
    snake = {"job_code": {"before": None, "after": "JC-1"}, "name": {"before": None, "after": "x"}}
    AuditEvent.objects.filter(pk=old.pk).update(changes=snake)
    untouched = AuditEvent.objects.filter(pk=old.pk).values_list("created_at", flat=True).get()
    migration = importlib.import_module("backoffice.migrations.0006_audit_changes_camel_case")

    migration.camel_case_changes(apps, None)

    old.refresh_from_db()
    assert old.changes == {
        "jobCode": {"before": None, "after": "JC-1"},
        "name": {"before": None, "after": "x"},
    }
    assert old.created_at == untouched
