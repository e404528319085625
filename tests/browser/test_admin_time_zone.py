"""The admin shows times in the browser's own zone from the first page after the login: the
login page's script tells the server the zone (a cookie), with no CSP violation."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission

from backoffice.roles import Role
from shares.models import PublicVideoShare
from tests.backoffice.factories import PASSWORD, member
from tests.shares.public_helpers import make_share, published_project

pytestmark = pytest.mark.django_db(transaction=True)


def test_times_are_in_the_browsers_zone(live_server, chromium, org):
    project, _ = published_project(org)
    share = make_share(project)
    PublicVideoShare.objects.filter(pk=share.pk).update(
        created_at=datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    )
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    context = chromium.new_context(timezone_id="America/Santiago")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", user.email)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        page.goto(f"{live_server.url}/admin/shares/publicvideoshare/{share.pk}/change/")
        shown = page.locator(".field-created_at .readonly").inner_text()
        assert shown == "Dec. 1, 2026, 12:30 p.m. -03"  # Chile's summer time
        cookie = next(c for c in context.cookies() if c["name"] == "percus_tz")
        assert (cookie["value"], cookie["path"]) == ("America/Santiago", "/admin/")
        assert errors == []
    finally:
        context.close()
