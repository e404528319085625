"""The landing page ``/v/<slug>`` and its CTA redirect (SPEC §12): every unavailable case,
escaping, language, security headers, counting and the hot path's query count."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials.services import credential_create, credential_revoke
from projects.services import project_archive, project_trash
from shares.counting import share_counts, today
from shares.models import ShareDailyCount
from shares.services import (
    channel_publish,
    channel_unpublish,
    share_disable,
    share_rotate_slug,
)
from tests.shares.public_helpers import SYSTEM, make_share, published_project, upload_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(org):
    return published_project(org)[0]


@pytest.fixture
def share(project):
    return make_share(project)


@pytest.fixture
def web():
    return Client()


def landing(web, share_or_slug):
    slug = getattr(share_or_slug, "slug", share_or_slug)
    return web.get(f"/v/{slug}")


#: The notices in the organization's language (the factories' default locale is es-CL).
GONE_ES = "Este video ya no está disponible."
NOT_YET_ES = "Este video aún no está disponible."
GONE_EN = "This video is no longer available."


def assert_unavailable(response, status: int, notice: str = GONE_ES) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert f"<h1>{notice}</h1>" in body
    others = {GONE_ES, NOT_YET_ES, GONE_EN} - {notice}
    assert not [text for text in others if text in body]
    assert "Content-Security-Policy" in response


# Status codes ---------------------------------------------------------------------------------


def test_an_enabled_share_of_a_published_channel_shows_its_page(web, share):
    response = landing(web, share)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your offer" in body
    assert "Prepared for you" in body
    assert f'href="/v/{share.slug}/cta"' in body
    assert 'data-src="/player/#' in body  # landing.js loads the player once


def test_an_unknown_slug_is_404_in_the_default_language(web, share):
    response = landing(web, "no-such-slug")
    assert_unavailable(response, 404, GONE_EN)
    assert b'<html lang="en-us">' in response.content


def test_a_disabled_share_is_410(web, project, share):
    share_disable(actor=SYSTEM, project=project, channel="PROD")
    assert_unavailable(landing(web, share), 410)


def test_a_rotated_away_slug_is_404_and_the_new_one_works(web, project, share):
    rotated = share_rotate_slug(actor=SYSTEM, project=project, channel="PROD")
    assert_unavailable(landing(web, rotated.previous_slug), 404, GONE_EN)
    assert landing(web, rotated.share).status_code == 200


def test_an_unpublished_channel_is_404_not_available_yet(web, project, share):
    channel_unpublish(actor=SYSTEM, project=project, channel="PROD")
    assert_unavailable(landing(web, share), 404, NOT_YET_ES)


def test_a_share_of_a_channel_never_published_is_404_not_available_yet(web, project):
    share = make_share(project, channel="DEV")
    assert_unavailable(landing(web, share), 404, NOT_YET_ES)


@pytest.mark.parametrize(
    ("locale", "not_yet", "gone"),
    [
        ("pt-BR", "Este vídeo ainda não está disponível.", "Este vídeo não está mais disponível."),
        ("en-GB", "This video is not available yet.", GONE_EN),
        ("es-MX", NOT_YET_ES, GONE_ES),
        ("fr-FR", "This video is not available yet.", GONE_EN),  # no French: English
    ],
)
def test_notices_speak_the_share_locale(web, project, locale, not_yet, gone):
    share = make_share(project, channel="DEV", locale=locale)
    response = landing(web, share)
    assert_unavailable(response, 404, not_yet)
    assert f'<html lang="{locale}">'.encode() in response.content
    share_disable(actor=SYSTEM, project=project, channel="DEV")
    assert_unavailable(landing(web, share), 410, gone)


def test_a_disabled_share_of_an_unpublished_channel_is_no_longer_available(web, project, share):
    channel_unpublish(actor=SYSTEM, project=project, channel="PROD")
    share_disable(actor=SYSTEM, project=project, channel="PROD")
    assert_unavailable(landing(web, share), 410, GONE_ES)


def test_an_archived_project_is_404(web, project, share):
    project_archive(actor=SYSTEM, project=project)
    assert_unavailable(landing(web, share), 404)


def test_a_trashed_project_is_404(web, project, share):
    project_trash(actor=SYSTEM, project=project)
    assert_unavailable(landing(web, share), 404)


def test_a_revoked_credential_stops_the_page(web, project):
    credential = credential_create(actor=SYSTEM, project=project, name="web").credential
    share = make_share(project, api_credential_id=str(credential.pk))
    assert landing(web, share).status_code == 200
    credential_revoke(actor=SYSTEM, credential=credential)
    assert_unavailable(landing(web, share), 404, NOT_YET_ES)


def test_the_page_marks_its_credential_used(web, project):
    credential = credential_create(actor=SYSTEM, project=project, name="web").credential
    share = make_share(project, api_credential_id=str(credential.pk))
    before = timezone.now()
    assert landing(web, share).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert credential.last_used_at >= before


def test_only_get_is_allowed(web, share):
    assert web.post(f"/v/{share.slug}").status_code == 405


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_wrong_method_on_the_page_and_its_cta_is_405_not_the_csrf_page(share, method):
    # CSRF enforced as in production (the test client skips it by default).
    browser = Client(enforce_csrf_checks=True)
    for path in (f"/v/{share.slug}", f"/v/{share.slug}/cta"):
        response = getattr(browser, method)(path)
        assert response.status_code == 405, (path, response.content)
        assert response["Allow"].startswith("GET")
        assert b"CSRF" not in response.content


# Content and headers --------------------------------------------------------------------------


def test_user_text_is_escaped(web, project):
    share = make_share(
        project,
        public_title="<script>alert(1)</script> offer",
        public_subtitle='"><img src=x onerror=alert(2)>',
    )
    body = landing(web, share).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; offer" in body
    assert "<img src=x" not in body


def test_sample_data_cannot_break_out_of_the_config_script(web, project):
    share = make_share(project, personalization_data={"firstName": "</script><script>x()"})
    body = landing(web, share).content.decode()
    assert "</script><script>x()" not in body


def test_html_lang_is_the_share_locale(web, project):
    share = make_share(project, locale="es-CL")
    assert '<html lang="es-CL">' in landing(web, share).content.decode()


def test_html_lang_falls_back_to_the_project_effective_locale(web, project, share):
    assert f'<html lang="{project.effective_locale}">' in landing(web, share).content.decode()


def test_the_page_sends_a_strict_content_security_policy(web, share):
    response = landing(web, share)
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert b"<script>" not in response.content  # no inline script at all
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_page_sets_no_cookie(web, share):
    response = landing(web, share)
    assert not response.cookies
    assert "Set-Cookie" not in response


def test_the_unavailable_page_sets_no_cookie_and_runs_no_script(web):
    response = landing(web, "missing")
    assert not response.cookies
    assert "script-src 'none'" in response["Content-Security-Policy"]


# Counting -------------------------------------------------------------------------------------


def test_each_view_is_counted(web, share):
    landing(web, share)
    landing(web, share)
    assert share_counts(share.pk) == (2, 0)
    # Without a shared cache, a view goes straight to the share's row of the day.
    row = ShareDailyCount.objects.get(share=share)
    assert (row.day, row.views, row.cta_clicks) == (today(), 2, 0)


def test_an_unavailable_page_is_not_counted(web, project, share):
    share_disable(actor=SYSTEM, project=project, channel="PROD")
    landing(web, share)
    assert share_counts(share.pk) == (0, 0)


def test_the_cta_counts_a_click_and_redirects_to_the_stored_url(web, share):
    response = web.get(f"/v/{share.slug}/cta?next=https://evil.example.com/&url=//evil")
    assert response.status_code == 302
    assert response["Location"] == "https://bank.example.com/apply"
    assert not response.cookies
    assert share_counts(share.pk) == (0, 1)


def test_the_cta_of_a_share_without_one_is_404(web, project):
    share = make_share(project, cta_label="", cta_url="")
    assert web.get(f"/v/{share.slug}/cta").status_code == 404
    assert share_counts(share.pk) == (0, 0)


def test_the_cta_of_a_disabled_share_is_410_and_not_counted(web, project, share):
    share_disable(actor=SYSTEM, project=project, channel="PROD")
    assert web.get(f"/v/{share.slug}/cta").status_code == 410
    assert share_counts(share.pk) == (0, 0)


def test_an_edited_share_shows_its_new_text_at_once(web, project, share):
    assert "Your offer" in landing(web, share).content.decode()
    make_share(project, public_title="A brand new offer", cta_label="", cta_url="")
    body = landing(web, share).content.decode()
    assert "A brand new offer" in body
    assert "Your offer" not in body
    assert 'id="cta"' not in body


def test_a_newly_published_template_plays_at_once(web, org):
    project, first = published_project(org)
    share = make_share(project)
    before = landing(web, share).content.decode()
    second = upload_template(project, version="2.0")
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=second.pk)
    after = landing(web, share).content.decode()
    # A signed URL names its file's id in clear.
    old_file = str(first.files.get(role="template_json").pk)
    new_file = str(second.files.get(role="template_json").pk)
    assert old_file in before
    assert old_file not in after
    assert new_file in after


# Speed and limits -----------------------------------------------------------------------------


def test_the_landing_page_reads_in_one_query_and_counts_in_one(web, share):
    with CaptureQueriesContext(connection) as queries:
        assert landing(web, share).status_code == 200
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert queries.captured_queries[1]["sql"].startswith("INSERT")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_count_commits_asynchronously(web, org):
    share = make_share(published_project(org)[0])
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert landing(web, share).status_code == 200
    assert queries.captured_queries[1]["sql"].startswith("SET LOCAL synchronous_commit TO OFF;")
    assert len(queries) == 6
    assert share_counts(share.pk) == (3, 0)
    with connection.cursor() as cursor:  # nothing leaks into the connection's later work
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


def test_the_cta_redirect_runs_two_queries(web, share):
    with CaptureQueriesContext(connection) as queries:
        assert web.get(f"/v/{share.slug}/cta").status_code == 302
    assert len(queries) == 2


def test_public_pages_are_rate_limited_per_client(web, share, settings):
    settings.PUBLIC_RATE_LIMIT = (3, 60)
    for _ in range(3):
        assert landing(web, share).status_code == 200
    response = landing(web, share)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert landing(other, share).status_code == 200


# Player page ----------------------------------------------------------------------------------


def test_the_player_page_loads_only_same_origin_scripts(web):
    response = web.get("/player/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/lottie/lottie_light.min.js" in body
    assert "/static/shares/player.js" in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert not response.cookies


def test_lottie_web_is_served_as_a_static_file(web):
    response = web.get("/static/lottie/lottie_light.min.js")
    assert response.status_code == 200


def test_only_our_own_pages_may_frame_the_player(web, share):
    assert landing(web, share)["X-Frame-Options"] == "DENY"
    assert web.get("/player/")["X-Frame-Options"] == "SAMEORIGIN"
