"""The share page's framed preview of the public landing page (issue 18, "look, don't read"):
the same page customers get, for the staff who may view the share's project only, framable by
the admin alone, and never counted or rate-limited like a customer's visit."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from backoffice.roles import Role
from shares.counting import share_counts
from shares.models import ShareDailyCount
from shares.services import share_disable
from tests.backoffice.factories import member
from tests.redis_cache import keys
from tests.shares.public_helpers import SYSTEM, make_share, published_project

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def staff_of(org, role: Role = Role.ORGANIZATION_ADMIN):
    user = member(org, role, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def share(org):
    project, _ = published_project(org)
    return make_share(project, locale="pt-BR")


def preview_url(share) -> str:
    return reverse("admin:shares_publicvideoshare_preview", args=[share.pk])


def test_the_share_page_frames_the_preview_sandboxed(org, share):
    page = staff_of(org).get(reverse("admin:shares_publicvideoshare_change", args=[share.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert f'<iframe class="landing-preview" src="{preview_url(share)}"' in body
    frame = body[body.index('<iframe class="landing-preview"') :].split(">", 1)[0]
    sandbox = frame.split('sandbox="', 1)[1].split('"', 1)[0].split()
    assert "allow-scripts" in sandbox
    assert not {"allow-top-navigation", "allow-forms", "allow-modals"} & set(sandbox)
    assert directives(page["Content-Security-Policy"])["frame-src"] == "'self'"
    assert directives(page["Content-Security-Policy"])["frame-ancestors"] == "'none'"


def test_the_preview_is_the_landing_page_framable_by_the_admin_only(org, share):
    response = staff_of(org).get(preview_url(share))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Your offer" in body
    assert "Prepared for you" in body
    assert '<html lang="pt-BR">' in body  # the share's language, as customers get it
    assert "Banco Andino" in body  # the organization's name in the header and footer
    assert 'id="player"' in body
    assert 'data-src="/player/#' in body
    assert 'href="https://bank.example.com/apply" target="_blank"' in body  # not /cta
    assert f"/v/{share.slug}/cta" not in body
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
    # ...while customers' page still refuses every frame
    public = Client().get(f"/v/{share.slug}")
    assert directives(public["Content-Security-Policy"])["frame-ancestors"] == "'none'"
    assert public["X-Frame-Options"] == "DENY"


def test_a_preview_counts_nothing_and_takes_nothing_from_the_public_limits(
    org, share, settings, redis_cache
):
    settings.PUBLIC_RATE_LIMIT = (1, 60)
    staff = staff_of(org)

    for _ in range(3):
        assert staff.get(preview_url(share)).status_code == 200

    assert share_counts(share.pk) == (0, 0)
    assert not ShareDailyCount.objects.exists()
    assert keys(redis_cache) == []  # no count, no limit's counter, no cached row
    assert Client().get(f"/v/{share.slug}").status_code == 200  # the budget is whole
    assert share_counts(share.pk) == (1, 0)


def test_a_share_customers_cannot_see_previews_as_its_notice(org, share):
    share_disable(actor=SYSTEM, project=share.project, channel=share.channel)

    response = staff_of(org).get(preview_url(share))

    body = response.content.decode()
    assert response.status_code == 200  # the frame shows the notice; the page names 410
    change = staff_of(org).get(reverse("admin:shares_publicvideoshare_change", args=[share.pk]))
    assert '<iframe class="landing-preview notice"' in change.text  # no room kept for a player
    assert "<h1>Este vídeo não está mais disponível.</h1>" in body
    assert '<p class="status">410</p>' in body
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'self'"


def test_only_staff_who_may_view_the_project_see_the_preview(org, other_org, share):
    url = preview_url(share)

    assert staff_of(org, Role.VIEWER).get(url).status_code == 200
    assert staff_of(other_org).get(url).status_code == 404
    not_staff = Client()
    not_staff.force_login(member(org, Role.ORGANIZATION_ADMIN))
    assert not_staff.get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    no_model_permission = Client()
    no_model_permission.force_login(member(org, Role.ORGANIZATION_ADMIN, is_staff=True))
    assert no_model_permission.get(url).status_code in (403, 404)
    assert not ShareDailyCount.objects.exists()


def test_the_preview_of_a_password_protected_share_shows_the_page_behind_it(org):
    project, _ = published_project(org, name="Protected")
    share = make_share(project, password="correct horse battery")

    body = staff_of(org).get(preview_url(share)).content.decode()

    assert "Your offer" in body
    assert 'type="password"' not in body
    assert not ShareDailyCount.objects.exists()
