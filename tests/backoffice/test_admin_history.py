"""Each object's admin change page shows its audit events, newest first, with before/after."""

import pytest
from django.db import connection

from backoffice.actors import Actor
from projects.services import project_update
from tests.backoffice.factories import token_for
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def test_project_page_shows_its_events_newest_first_with_changes(org, users, client):
    project = make_project(org, name="Old name")
    project_update(
        actor=Actor.for_user(users["OrganizationAdmin"]), project=project, name="<b>New</b>"
    )
    client.force_login(users["Owner"])

    page = client.get(f"/admin/projects/project/{project.pk}/change/").content.decode()

    history = page[page.index("Audit history") :]
    assert history.index("Project updated") < history.index("Project created")
    assert '<span class="before">Old name</span> → &lt;b&gt;New&lt;/b&gt;' in history
    admin = users["OrganizationAdmin"]
    assert (admin.display_name or admin.email) in history


def test_token_page_shows_its_creation(users, client):
    token_for(users["Viewer"])
    token = users["Viewer"].api_tokens.get()
    client.force_login(users["Owner"])

    page = client.get(f"/admin/backoffice/apitoken/{token.pk}/change/").content.decode()

    assert "Token created" in page


def test_add_pages_have_no_history(users, client):
    client.force_login(users["Owner"])
    assert "Audit history" not in client.get("/admin/projects/project/add/").content.decode()


def test_targets_are_gin_indexed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'auditevent_targets_gin'")
        assert "jsonb_path_ops" in cursor.fetchone()[0]
