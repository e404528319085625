"""``GET /api/Projects/{id}/stats`` (SPEC §10): the figures each app contributes, in a
constant number of queries, and the role matrix."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from backoffice.roles import Role
from collaboration.services import comment_create
from credentials.services import credential_create, credential_revoke
from projects.services import (
    project_activate,
    project_assign,
    project_grant_set,
    project_trash,
)
from shares.models import PublicVideoShare, ShareDailyCount
from shares.services import channel_publish, share_upsert
from templates.models import TemplateFile
from tests.projects.factories import make_project
from tests.projects.test_api import assert_problem
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def fill(project, users, n: int) -> None:
    """``n`` of everything the stats count."""
    org = project.organization
    for i in range(n):
        make_template(project, name=f"Video {i}", kind="Raster" if i % 2 else "LottieStandalone")
        comment_create(actor=SYSTEM, project=project, message=f"Note {i}")
        credential_create(actor=SYSTEM, project=project, name=f"site {i}")
        kid = make_project(org, name=f"Kid {project.name} {i}")
        project_assign(actor=SYSTEM, project=kid, parent=project)


def stats(client, project) -> dict:
    response = client.get(f"/api/Projects/{project.pk}/stats")
    assert response.status_code == 200, response.content
    return response.json()


def test_stats_count_what_each_app_holds(users, client_for, org):
    project = make_project(org, name="Main")
    project_activate(actor=SYSTEM, project=project)
    fill(project, users, 3)
    template = make_template(project, name="Live video")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    share_upsert(actor=SYSTEM, project=project, channel="PROD", fields={"public_title": "Hola"})
    share_upsert(actor=SYSTEM, project=project, channel="DEV", fields={"public_title": "Dev"})
    prod_share = PublicVideoShare.objects.get(project=project, channel="PROD")
    ShareDailyCount.objects.create(share=prod_share, day=date(2026, 5, 1), views=10, cta_clicks=5)
    ShareDailyCount.objects.create(share=prod_share, day=date(2026, 5, 2), views=2)
    revoked = credential_create(actor=SYSTEM, project=project, name="old").credential
    credential_revoke(actor=SYSTEM, credential=revoked)
    project_grant_set(actor=SYSTEM, project=project, role=Role.DEVELOPER, user=users["Viewer"])
    trashed_kid = make_project(org, name="Trashed kid")
    project_assign(actor=SYSTEM, project=trashed_kid, parent=project)
    project_trash(actor=SYSTEM, project=trashed_kid)

    body = stats(client_for(users["Viewer"]), project)
    daily = body.pop("daily")
    assert len(daily["days"]) == 30  # the last 30 UTC days by default

    total_bytes = sum(
        TemplateFile.objects.filter(template__project=project).values_list("size", flat=True)
    )
    assert body == {
        "projectId": str(project.pk),
        "subprojects": 3,
        "members": 1,
        "templates": {
            "total": 4,
            "byStatus": {"Testing": 3, "Production": 1, "Previous": 0, "Archived": 0},
            "byKind": {"LottieStandalone": 3, "Raster": 1},
        },
        "totalFileBytes": total_bytes,
        "comments": 3,
        "credentialsActive": 3,
        "sharesEnabled": 2,
        "landingPageViews": {"DEV": 0, "STAGING": 0, "PROD": 12},
        "ctaClicks": {"DEV": 0, "STAGING": 0, "PROD": 5},
    }
    assert total_bytes > 0


#: The token 1, the project (visibility and annotations) 1, the caller's role 2, then the
#: figures: sub-projects 1, members 1, templates 2, comments 1, credentials 1, shares 1, and the
#: daily series 1 (the shares; their days are 1 more when there are shares, whatever the range).
QUERIES = 12


def test_stats_run_a_constant_number_of_queries(users, client_for, org):
    client = client_for(users["Viewer"])
    small, big = make_project(org, name="Small"), make_project(org, name="Big")
    fill(small, users, 1)
    fill(big, users, 5)
    stats(client, small)  # the first request also records the token's last use

    def count(project) -> int:
        with CaptureQueriesContext(connection) as queries:
            stats(client, project)
        return len(queries)

    assert count(small) == count(big) == QUERIES


EXPECTED = {
    "Viewer": 200,
    "Developer": 200,
    "ProjectManager": 200,
    "OrganizationAdmin": 200,
    "Owner": 200,
    "other": 404,
    "anon": 401,
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_matrix(client_as, org, who):
    project = make_project(org)
    client = client_as(who)
    response = client.get(f"/api/Projects/{project.pk}/stats")
    assert response.status_code == EXPECTED[who], response.content
    if EXPECTED[who] == 404:
        assert_problem(response, 404, "not_found")
    if EXPECTED[who] == 401:
        assert_problem(response, 401, "unauthenticated")


def test_stats_of_a_trashed_project_are_404(users, client_for, org):
    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    response = client_for(users["OrganizationAdmin"]).get(f"/api/Projects/{project.pk}/stats")
    assert_problem(response, 404, "not_found")


# The daily series (SPEC §16) ------------------------------------------------------------------


def _shares_with_days(org):
    project = make_project(org, name="Campaign")
    project_activate(actor=SYSTEM, project=project)
    template = make_template(project, name="Live video")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    prod = share_upsert(
        actor=SYSTEM, project=project, channel="PROD", fields={"public_title": "Hola"}
    ).share
    dev = share_upsert(
        actor=SYSTEM, project=project, channel="DEV", fields={"public_title": "Dev"}
    ).share
    ShareDailyCount.objects.create(share=prod, day=date(2026, 5, 1), views=10, cta_clicks=5)
    ShareDailyCount.objects.create(share=prod, day=date(2026, 5, 3), views=7, cta_clicks=1)
    ShareDailyCount.objects.create(share=dev, day=date(2026, 5, 3), views=2)
    ShareDailyCount.objects.create(share=prod, day=date(2026, 4, 30), views=99)  # outside
    return project


def test_daily_series_per_channel_per_day_with_every_day_listed(users, client_for, org):
    project = _shares_with_days(org)
    client = client_for(users["Viewer"])
    body = client.get(f"/api/Projects/{project.pk}/stats?from=2026-05-01&to=2026-05-03").json()
    zero = {"DEV": 0, "STAGING": 0, "PROD": 0}
    assert body["daily"] == {
        "from": "2026-05-01",
        "to": "2026-05-03",
        "days": [
            {
                "date": "2026-05-01",
                "views": {**zero, "PROD": 10},
                "ctaClicks": {**zero, "PROD": 5},
            },
            {"date": "2026-05-02", "views": zero, "ctaClicks": zero},
            {
                "date": "2026-05-03",
                "views": {**zero, "DEV": 2, "PROD": 7},
                "ctaClicks": {**zero, "PROD": 1},
            },
        ],
    }
    # The totals still count every day.
    assert body["landingPageViews"] == {"DEV": 2, "STAGING": 0, "PROD": 116}


def test_daily_series_defaults_to_30_days_and_from_alone_runs_30_days(users, client_for, org):
    from shares.counting import today

    project = _shares_with_days(org)
    client = client_for(users["Viewer"])
    body = stats(client, project)["daily"]
    assert body["to"] == today().isoformat()
    assert len(body["days"]) == 30
    body = client.get(f"/api/Projects/{project.pk}/stats?from=2026-05-01").json()["daily"]
    assert (body["from"], body["to"], len(body["days"])) == ("2026-05-01", "2026-05-30", 30)
    assert body["days"][0]["views"]["PROD"] == 10
    body = client.get(f"/api/Projects/{project.pk}/stats?to=2026-05-01").json()["daily"]
    assert (body["from"], body["to"]) == ("2026-04-02", "2026-05-01")
    assert body["days"][-2]["views"]["PROD"] == 99


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-05-03&to=2026-05-01", "from"),
        ("from=2025-01-01&to=2026-05-01", "to"),
        # Well-formed dates at the ends of the calendar: the default 30-day range would
        # leave it (was a 500, OverflowError).
        ("from=9999-12-31", "from"),
        ("from=9999-12-20", "from"),
        ("to=0001-01-05", "to"),
        ("from=1999-12-31&to=2000-01-05", "from"),
        ("from=2999-12-01&to=3000-01-01", "to"),
    ],
)
def test_a_bad_range_is_400_naming_the_parameter(users, client_for, org, query, field):
    project = make_project(org)
    response = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}/stats?{query}")
    body = assert_problem(response, 400, "invalid_request")
    assert field in body["errors"]


def test_a_year_long_series_costs_the_same_queries(users, client_for, org):
    project = _shares_with_days(org)
    client = client_for(users["Viewer"])
    stats(client, project)

    def count(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/Projects/{project.pk}/stats?{query}")
            assert response.status_code == 200
        return len(queries)

    assert count("from=2026-05-01&to=2026-05-02") == count("from=2025-05-03&to=2026-05-03")


@pytest.mark.parametrize("who", list(EXPECTED))
def test_daily_series_role_matrix(client_as, org, who):
    project = _shares_with_days(org)
    response = client_as(who).get(f"/api/Projects/{project.pk}/stats?from=2026-05-01&to=2026-05-03")
    assert response.status_code == EXPECTED[who], response.content
    if EXPECTED[who] == 200:
        assert response.json()["daily"]["days"][0]["views"]["PROD"] == 10
