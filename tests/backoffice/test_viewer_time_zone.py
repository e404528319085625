"""Times in the admin in the viewer's zone (SPEC §15): the zone the admin's script reads from
the browser arrives as a cookie and the admin renders every time in it, naming the zone; no
cookie (or no real zone in it) is UTC, said as such; the API stays in UTC."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from backoffice.roles import Role
from backoffice.time_zones import TIME_ZONE_COOKIE
from shares.models import PublicVideoShare
from tests.backoffice.factories import member
from tests.shares.public_helpers import make_share, published_project

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 6, 1, 15, 30, tzinfo=UTC)


@pytest.fixture
def share(org):
    project, _ = published_project(org)
    share = make_share(project)
    PublicVideoShare.objects.filter(pk=share.pk).update(created_at=CREATED)
    return share


@pytest.fixture
def staff(org):
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(user)
    return client


def created_at_on_page(client, share, zone: str | None = None) -> str:
    if zone is not None:
        client.cookies[TIME_ZONE_COOKIE] = zone
    page = client.get(reverse("admin:shares_publicvideoshare_change", args=[share.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    field = body[body.index("field-created_at") :]
    return field[field.index('<div class="readonly">') + 22 : field.index("</div>")]


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("America/Santiago", "June 1, 2026, 11:30 a.m. -04"),
        ("Europe/Madrid", "June 1, 2026, 5:30 p.m. CEST"),
        ("Asia/Kolkata", "June 1, 2026, 9 p.m. IST"),
        ("UTC", "June 1, 2026, 3:30 p.m. UTC"),
    ],
)
def test_the_admin_shows_times_in_the_viewers_zone_and_names_it(staff, share, zone, shown):
    assert created_at_on_page(staff, share, zone) == shown


@pytest.mark.parametrize("cookie", [None, "", "Mars/Olympus_Mons", "../../etc/passwd", "x" * 5000])
def test_without_a_real_zone_times_are_utc_and_say_so(staff, share, cookie):
    assert created_at_on_page(staff, share, cookie) == "June 1, 2026, 3:30 p.m. UTC"


def test_every_admin_page_tells_the_server_the_browsers_zone(staff, share):
    for url in (reverse("admin:index"), reverse("admin:shares_publicvideoshare_changelist")):
        script = '<script src="/static/backoffice/timezone.js" data-path="/admin/"></script>'
        assert script in staff.get(url).text
    assert "/static/backoffice/timezone.js" in Client().get(reverse("admin:login")).text


def test_the_api_stays_in_utc_whatever_the_cookie(users, client_for, share):
    client = client_for(users["OrganizationAdmin"])
    client.cookies[TIME_ZONE_COOKIE] = "America/Santiago"
    body = client.get(f"/api/Projects/{share.project.pk}").json()
    assert body["createdAt"].endswith("Z")
