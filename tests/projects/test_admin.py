import pytest

from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def test_admin_changelist_and_actions_go_through_services(users, org, client):
    from backoffice.models import AuditEvent

    project = make_project(org, name="Admin Campaign")
    client.force_login(users["Owner"])
    assert client.get("/admin/projects/project/").status_code == 200
    assert client.get(f"/admin/projects/project/{project.pk}/change/").status_code == 200
    response = client.post(
        "/admin/projects/project/",
        {"action": "activate", "_selected_action": [str(project.pk)]},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "Active"
    assert AuditEvent.objects.filter(project_id=project.pk, event_type="PROJECT_ACTIVATED").exists()


def changelist_queries(client, path="/admin/projects/project/"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return response, [query["sql"] for query in captured.captured_queries]


def test_the_changelist_reads_no_more_rows_as_the_table_grows(users, org, client):
    """Issue 20: no COUNT(*) over every project and no DISTINCT over their dates (the date
    hierarchy) on each page; the count stops at the cap, and the queries do not grow."""
    make_project(org, name="First")
    client.force_login(users["Owner"])
    changelist_queries(client)  # the session's first use
    _, few = changelist_queries(client)
    for number in range(4):
        make_project(org, name=f"More {number}")
    response, more = changelist_queries(client)

    assert len(more) == len(few)
    assert not [sql for sql in more if "DATE_TRUNC" in sql.upper()]
    counts = [sql for sql in more if "COUNT(" in sql.upper()]
    assert counts
    assert all("LIMIT 10001" in sql for sql in counts), counts
    assert "5 projects" in response.content.decode()


def test_past_the_cap_the_changelist_says_how_many_at_least(users, org, client, monkeypatch):
    from backoffice.admin_paging import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for number in range(5):
        make_project(org, name=f"Campaign {number}")
    client.force_login(users["Owner"])

    response, _ = changelist_queries(client)

    page = response.content.decode()
    assert "3+ projects" in page
    assert "Select all 3+ projects" in page
    assert page.count('name="_selected_action"') == 5  # every row is still listed


def test_the_changelist_filters_by_creation_date(users, org, client):
    from django.utils import timezone

    from projects.models import Project

    old = make_project(org, name="Last Year")
    Project.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(400))
    make_project(org, name="This Week")
    client.force_login(users["Owner"])
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since -= timezone.timedelta(days=7)  # as the filter's "Past 7 days" link says it

    response = client.get("/admin/projects/project/", {"created_at__gte": str(since)})

    page = response.content.decode()
    assert "This Week" in page
    assert "Last Year" not in page
