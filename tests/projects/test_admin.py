import pytest
from django.contrib.auth.models import Permission

from backoffice.actors import Actor
from backoffice.roles import Role
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


def dated(org, name: str, when: str):
    import datetime as dt

    from projects.models import Project

    project = make_project(org, name=name)
    created = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)
    Project.objects.filter(pk=project.pk).update(created_at=created)


def test_the_date_hierarchy_is_the_calendar_between_the_first_and_last_dates(users, org, client):
    """Issue 18 asks for a date hierarchy on projects, issue 20 for a changelist that reads no
    more as the table grows: the years, months and days come from one MIN/MAX query."""
    dated(org, "Spring 2024", "2024-03-05T10:00")
    dated(org, "Summer 2026", "2026-07-10T10:00")
    dated(org, "Late Summer 2026", "2026-07-21T10:00")
    client.force_login(users["Owner"])

    response, queries = changelist_queries(client)
    page = response.content.decode()
    for year in ("2024", "2025", "2026"):  # 2025 holds none: the calendar, not a DISTINCT
        assert f"?created_at__year={year}" in page
    assert not [sql for sql in queries if "DATE_TRUNC" in sql.upper()]
    assert len([sql for sql in queries if "MIN(" in sql.upper()]) == 1

    response, _ = changelist_queries(client, "/admin/projects/project/?created_at__year=2026")
    page = response.content.decode()
    assert "Summer 2026" in page
    assert "Spring 2024" not in page
    assert "created_at__month=7" in page
    assert "created_at__month=6" not in page

    path = "/admin/projects/project/?created_at__year=2026&created_at__month=7"
    response, _ = changelist_queries(client, path)
    page = response.content.decode()
    assert "created_at__day=10" in page
    assert "created_at__day=21" in page
    assert "created_at__day=9&" not in page
    assert "created_at__day=22" not in page

    response, _ = changelist_queries(client, path + "&created_at__day=21")
    page = response.content.decode()
    assert "Late Summer 2026" in page
    assert "Summer 2026</a>" not in page.replace("Late Summer", "")


def test_the_audit_log_and_templates_have_the_same_hierarchy(users, org, client):
    make_project(org, name="Audited")  # its creation is an audit event
    client.force_login(users["Owner"])
    response, queries = changelist_queries(client, "/admin/backoffice/auditevent/")
    assert "created_at__year=" in response.content.decode()
    for path in ("/admin/backoffice/auditevent/", "/admin/video_templates/template/"):
        _, queries = changelist_queries(client, path)
        assert not [sql for sql in queries if "DATE_TRUNC" in sql.upper()]


def test_an_archived_or_trashed_project_page_offers_no_save(users, org, client):
    """Read-only for everyone: its fields are text and its grants are listed, not edited, so
    there is nothing to save (an active project's page still has its Save buttons)."""
    from projects.services import project_activate, project_archive, project_trash
    from tests.backoffice.factories import member

    system = Actor.system("tests")
    active = project_activate(actor=system, project=make_project(org, name="Vigente"))
    archived = project_archive(actor=system, project=make_project(org, name="Archivado"))
    trashed = project_trash(actor=system, project=make_project(org, name="Papelera"))
    manager = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="projects"))

    for user in (users["Owner"], manager):
        client.force_login(user)
        page = client.get(f"/admin/projects/project/{active.pk}/change/").content.decode()
        assert 'name="_save"' in page
        for project in (archived, trashed):
            response = client.get(f"/admin/projects/project/{project.pk}/change/")
            assert response.status_code == 200
            page = response.content.decode()
            assert 'name="_save"' not in page, (user, project)
            assert 'name="_continue"' not in page
            assert 'name="_addanother"' not in page
            assert 'name="user_grants-MAX_NUM_FORMS" value="0"' in page  # no row to add


def test_the_row_checkbox_is_django_s(users, org, client):
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin

    from projects.models import Project

    project = make_project(org, name='A "quoted" <name> & more')
    project_admin = admin.site._registry[Project]

    assert project_admin.action_checkbox(project) == ModelAdmin.action_checkbox(
        project_admin, project
    )


def test_the_organization_filter_lists_the_organizations_holding_a_project(
    users, org, other_org, client
):
    """Asked organization by organization (EXISTS), not by a DISTINCT over every project."""
    from tests.backoffice.factories import OrganizationFactory

    make_project(org, name="Ours")
    make_project(other_org, name="Theirs")  # two to choose from, or the filter is hidden
    empty = OrganizationFactory(name="Zeta Empty")
    client.force_login(users["Owner"])

    response, queries = changelist_queries(client)

    page = response.content.decode()
    assert f"organization__id__exact={org.pk}" in page
    assert f"organization__id__exact={other_org.pk}" in page
    assert f"organization__id__exact={empty.pk}" not in page
    assert not [sql for sql in queries if "SELECT DISTINCT" in sql.upper()]


def test_each_row_links_to_its_own_change_page(users, org, client):
    from django.urls import reverse

    projects = [make_project(org, name=f"Linked {n}") for n in range(3)]
    client.force_login(users["Owner"])

    page = client.get("/admin/projects/project/").content.decode()

    for project in projects:
        assert reverse("admin:projects_project_change", args=[project.pk]) in page
    assert "0PK0MARK0" not in page
