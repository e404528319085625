"""The admin index's dashboard: the user's projects by status, what each channel serves,
recent publishes and the last 7 days of views and CTA clicks — only what the user may see."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from backoffice.models import User
from backoffice.roles import Role
from shares.models import PublicVideoShare
from tests.backoffice.factories import member
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def dashboard_of(client) -> str:
    html = client.get("/admin/").content.decode()
    start = html.index('id="percus-dashboard"')
    return html[start : html.index('id="content-main"', start)]


def test_the_index_shows_the_demo_at_a_glance(client):
    call_command("load_demo_data", stdout=StringIO())
    share = PublicVideoShare.objects.get(channel="PROD")
    Client().get(f"/v/{share.slug}")  # one view
    Client().get(f"/v/{share.slug}/cta")  # one click
    client.force_login(User.objects.get(email="owner@demo.percus.local"))

    board = dashboard_of(client)

    counts = {
        status: int(number)
        for number, status in re.findall(
            r'dashboard-figure">(\d+)</span></a> <span class="badge"[^>]*>(\w+)</span>', board
        )
    }
    assert counts == {"Draft": 2, "Active": 2, "Archived": 1}
    serving = board[board.index("What each channel serves") :]
    assert "Crédito Pre-Aprobado Q2" in serving
    assert serving.count("Bienvenida personalizada 1.0") >= 2  # DEV and PROD
    assert "Recent publishes" in board
    seven = board[board.index("Last 7 days") :]
    assert re.search(r'dashboard-figure">1</span> landing-page views', seven)
    assert re.search(r'dashboard-figure">1</span> CTA clicks \(100.0% of views\)', seven)


def test_the_dashboard_counts_only_what_the_user_may_see(client, org, other_org):
    make_project(org, name="Ours")
    make_project(other_org, name="Theirs")
    make_project(other_org, name="Theirs too")
    staff = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    client.force_login(staff)

    board = dashboard_of(client)

    assert re.search(r'dashboard-figure">1</span></a> <span class="badge"[^>]*>Draft', board)
    assert "Theirs" not in board
