"""The admin index's dashboard: the user's projects by status, what each channel serves,
recent publishes and the last 7 days of views and CTA clicks — only what the user may see."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from backoffice.models import User
from backoffice.roles import Role
from shares.counting import today
from shares.models import PublicVideoShare, ShareDailyCount
from shares.services import share_upsert
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


def _share_with_days(org, name: str, views: list[int]):
    """A project with a PROD share viewed ``views[n]`` times ``n`` days ago (and one click
    a day)."""
    project = make_project(org, name=name)
    share = share_upsert(
        actor=Actor.system("tests"), project=project, channel="PROD", fields={"public_title": name}
    ).share
    for ago, count in enumerate(views):
        ShareDailyCount.objects.create(
            share=share, day=today() - timedelta(days=ago), views=count, cta_clicks=1
        )
    return share


def _chart_of(board: str) -> str:
    part = board[board.index("Last 30 days") :]
    return part[part.index('<svg xmlns="http://www.w3.org/2000/svg" class="daily-chart"') :]


def test_the_dashboard_charts_the_last_30_days_of_what_the_user_may_see(client, org, other_org):
    _share_with_days(org, "Ours", [5, 3])
    _share_with_days(org, "Ours too", [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    _share_with_days(org, "Too old", [0] * 30 + [1000])  # 30 days ago: outside
    _share_with_days(other_org, "Theirs", [900, 900])
    staff = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    client.force_login(staff)

    chart = _chart_of(dashboard_of(client))

    first = (today() - timedelta(days=29)).isoformat()
    summary = f"10 views and 51 CTA clicks from {first} to {today().isoformat()}"
    assert summary in chart  # 5+3+2 views; a click a day on 2 + 19 + 30 days in the range
    assert f"<title>{today().isoformat()}: 7 views</title>" in chart
    assert chart.count("<rect ") == 30 + 1  # a bar a day, and the legend's swatch


def test_the_dashboard_chart_costs_the_same_queries_for_any_number_of_projects(
    client, org, django_assert_num_queries
):
    staff = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    client.force_login(staff)
    _share_with_days(org, "First", [1, 2])
    client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")

    for number in range(6):
        _share_with_days(org, f"More {number}", [number] * 30)
    with django_assert_num_queries(len(few)):
        board = dashboard_of(client)
    assert "Last 30 days" in board
