"""Shares that expire or need a password (SPEC §17): ``expiresAt`` and ``password`` on the
PUT (validated, the password never sent back), 410 after the expiry, a password form on the
landing page that is rate-limited per share and client and remembers success in a signed
cookie scoped to that share's path, and the audit trail."""

from datetime import timedelta

import pytest
from django.test import Client as WebClient
from django.utils import timezone

from backoffice.models import AuditEvent
from shares.models import PublicVideoShare
from shares.public import PASSWORD_COOKIE
from shares.services import share_rotate_slug
from tests.shares.public_helpers import SYSTEM, make_share, published_project

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def project(org):
    return published_project(org)[0]


@pytest.fixture
def pm(users, client_for):
    return client_for(users["ProjectManager"])


def put(client, project, **body):
    return client.put(
        f"/api/Projects/{project.pk}/public-video-shares/PROD",
        {"publicTitle": "Your offer", **body},
        format="json",
    )


def unlock(web, share, password=PASSWORD):
    return web.post(f"/v/{share.slug}", {"password": password})


# The API -----------------------------------------------------------------------------------


def test_the_password_is_set_hashed_and_never_returned(pm, project):
    response = put(pm, project, password=PASSWORD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hasPassword"] is True
    assert PASSWORD not in response.content.decode()
    assert "password" not in body
    share = PublicVideoShare.objects.get()
    assert share.password_hash.startswith(("md5$", "pbkdf2_sha256$"))
    assert PASSWORD not in share.password_hash
    listed = pm.get(f"/api/Projects/{project.pk}/public-video-shares").json()
    assert listed[0]["hasPassword"] is True
    created = AuditEvent.objects.get(event_type="SHARE_CREATED")
    assert created.changes["hasPassword"] == {"before": None, "after": True}
    assert PASSWORD not in str(created.changes)
    assert share.password_hash not in str(created.changes)


def test_a_put_without_password_keeps_it_and_null_removes_it(pm, project):
    put(pm, project, password=PASSWORD)
    assert put(pm, project, publicTitle="New title").json()["hasPassword"] is True
    response = put(pm, project, password=None)
    assert response.json()["hasPassword"] is False
    event = AuditEvent.objects.filter(event_type="SHARE_UPDATED").order_by("created_at").last()
    assert event.changes["hasPassword"] == {"before": True, "after": False}


def test_changing_the_password_is_audited_without_it(pm, project):
    put(pm, project, password=PASSWORD)
    put(pm, project, password="another long secret")
    event = AuditEvent.objects.get(event_type="SHARE_UPDATED")
    assert event.changes == {"password": {"before": "set", "after": "changed"}}


def test_expires_at_is_set_and_shown(pm, project):
    when = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    response = put(pm, project, expiresAt=when.isoformat())
    assert response.status_code == 201
    assert response.json()["expiresAt"].startswith(when.strftime("%Y-%m-%dT%H:%M:%S"))
    assert response.json()["live"] is True
    assert put(pm, project).json()["expiresAt"] is None  # PUT replaces: no expiry


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"password": ["a long enough one"]}, "password"),
        ({"expiresAt": "yesterday"}, "expiresAt"),
        ({"expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(pm, project, body, field):
    response = put(pm, project, **body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_request"
    assert field in response.json()["errors"]
    assert not PublicVideoShare.objects.exists()


@pytest.mark.parametrize("offset", ["+15:00", "+23:59", "-14:01", "+14:30", "-15:00"])
def test_expires_at_offsets_beyond_14_hours_are_refused_like_everywhere(pm, project, offset):
    response = put(pm, project, expiresAt=f"2030-01-01T00:00:00{offset}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["errors"]["expiresAt"] == ["Time-zone offsets range from -14:00 to +14:00."]
    assert not PublicVideoShare.objects.exists()


@pytest.mark.parametrize("offset", ["+14:00", "-14:00"])
def test_expires_at_offsets_up_to_14_hours_are_taken_in_utc(pm, project, offset):
    response = put(pm, project, expiresAt=f"2030-01-01T00:00:00{offset}")
    assert response.status_code in (200, 201), response.content
    expected = "2029-12-31T10:00:00" if offset == "+14:00" else "2030-01-01T14:00:00"
    assert response.json()["expiresAt"].startswith(expected)


def test_only_project_managers_set_them(client_for, users, project):
    for role in ("Viewer", "Developer"):
        assert put(client_for(users[role]), project, password=PASSWORD).status_code == 403
    assert not PublicVideoShare.objects.exists()


# The landing page ------------------------------------------------------------------------------


def test_an_expired_share_is_gone(project):
    share = make_share(project, expires_at=timezone.now() + timedelta(minutes=5))
    web = WebClient()
    assert web.get(f"/v/{share.slug}").status_code == 200
    PublicVideoShare.objects.filter(pk=share.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    share_rotate_slug(actor=SYSTEM, project=project, channel="PROD")  # a committed change
    share.refresh_from_db()
    response = web.get(f"/v/{share.slug}")
    assert response.status_code == 410
    assert "Este video ya no está disponible." in response.content.decode()
    assert web.get(f"/v/{share.slug}/cta").status_code == 410


def test_a_password_share_asks_for_the_password(project):
    share = make_share(project, password=PASSWORD)
    web = WebClient()
    response = web.get(f"/v/{share.slug}")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post"' in page
    assert 'type="password"' in page
    assert "Contraseña" in page  # the share's language (es-CL)
    assert "Your offer" not in page  # nothing of the share before the password
    assert "/player/" not in page
    assert "form-action 'self'" in response["Content-Security-Policy"]
    assert web.get(f"/v/{share.slug}/cta").status_code == 403


def test_the_right_password_unlocks_the_page_for_the_session_and_that_path(project):
    share = make_share(project, password=PASSWORD)
    web = WebClient(enforce_csrf_checks=True)  # the form needs no CSRF token by design
    response = unlock(web, share)
    assert response.status_code == 303
    assert response["Location"] == f"/v/{share.slug}"
    cookie = response.cookies[PASSWORD_COOKIE]
    assert cookie["path"] == f"/v/{share.slug}"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"]
    assert not cookie["expires"]  # a session cookie
    page = web.get(f"/v/{share.slug}")
    assert page.status_code == 200
    assert "Your offer" in page.content.decode()
    assert web.get(f"/v/{share.slug}/cta").status_code == 302


def test_a_wrong_password_is_refused(project):
    share = make_share(project, password=PASSWORD)
    web = WebClient()
    response = unlock(web, share, "not the password")
    assert response.status_code == 403
    assert "La contraseña no es correcta." in response.content.decode()
    assert PASSWORD_COOKIE not in response.cookies
    assert "Your offer" not in web.get(f"/v/{share.slug}").content.decode()


def test_a_forged_or_stale_cookie_does_not_unlock(project, pm):
    share = make_share(project, password=PASSWORD)
    web = WebClient()
    web.cookies[PASSWORD_COOKIE] = f"{share.pk}:0000"
    assert "Your offer" not in web.get(f"/v/{share.slug}").content.decode()
    unlock(web, share)
    assert "Your offer" in web.get(f"/v/{share.slug}").content.decode()
    put(pm, project, password="a brand new secret")  # a new password locks everyone out
    assert "Your offer" not in web.get(f"/v/{share.slug}").content.decode()


def test_the_cookie_of_one_share_does_not_open_another(org, project):
    first = make_share(project, password=PASSWORD)
    other_project = published_project(org, name="Other")[0]
    second = make_share(other_project, password=PASSWORD)
    web = WebClient()
    proof = unlock(web, first).cookies[PASSWORD_COOKIE].value
    web.cookies.clear()
    web.cookies[PASSWORD_COOKIE] = proof  # even sent on the other path
    assert "Your offer" not in web.get(f"/v/{second.slug}").content.decode()


def test_password_attempts_are_rate_limited_per_share_and_client(project, settings):
    settings.SHARE_PASSWORD_LIMIT = (3, 900)
    share = make_share(project, password=PASSWORD)
    web = WebClient()
    statuses = [unlock(web, share, f"guess {n}").status_code for n in range(3)]
    assert statuses == [403, 403, 403]
    refused = unlock(web, share)  # even the right one, once the budget is spent
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert PASSWORD_COOKIE not in refused.cookies
    other = WebClient(REMOTE_ADDR="203.0.113.9")
    assert unlock(other, share).status_code == 303  # another client has its own budget


# With Redis: the hot path of the landing page -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_locked_page_counts_no_view_on_the_redis_hot_path(org, redis_cache, settings):
    """The cached page's Lua script counts a view before the password is checked; a locked
    page takes it back, so only the page shown after the password counts."""
    from shares.counting import share_counts

    settings.PUBLIC_RATE_LIMIT = (10_000, 60)
    project = published_project(org)[0]
    share = make_share(project, password=PASSWORD)
    web = WebClient()
    for _ in range(3):  # a miss, then hits of the cached row
        page = web.get(f"/v/{share.slug}")
        assert page.status_code == 200
        assert "Your offer" not in page.content.decode()
    assert unlock(web, share).status_code == 303
    assert "Your offer" in web.get(f"/v/{share.slug}").content.decode()
    assert share_counts(share.pk) == (1, 0)
