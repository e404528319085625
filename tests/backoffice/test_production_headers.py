"""The headers and cookies production actually sends (``backoffice.settings.production``):
HTTPS only, HSTS, secure cookies, CSRF on session writes, no framing, a CSP on HTML pages."""

import json

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.management import call_command
from django.db import connection

from tests.backoffice.factories import PASSWORD, UserFactory
from tests.backoffice.test_settings import manage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seen(django_db_blocker, django_db_setup) -> dict:
    # The probe runs in another process: the user is committed for it.
    with django_db_blocker.unblock():
        staff = UserFactory(email="staff@percus.example", is_staff=True, is_superuser=True)
        # Production knows only its own hashers, not the fast test one.
        staff.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
        staff.save(update_fields=["password"])
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        try:
            result = manage(
                "shell",
                "-c",
                "from tests.backoffice.production_probe import main; main()",
                DATABASE_URL=url,
                PROBE_EMAIL=staff.email,
                PROBE_PASSWORD=PASSWORD,
            )
        finally:
            # Everything the probe wrote (session, token, audit events) goes too, as after
            # a transactional test.
            call_command("flush", interactive=False, verbosity=0)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_probe_ran_in_production_mode(seen):
    assert seen["debug"] is False
    assert seen["login"]["status"] == 302  # logged in
    assert seen["admin_index"]["status"] == 200


def test_plain_http_is_redirected_to_https(seen):
    assert seen["plain_http"]["status"] == 301
    assert seen["plain_http"]["headers"]["Location"].startswith("https://")


@pytest.mark.parametrize("page", ["login_page", "login", "admin_index", "docs"])
def test_hsts_on_every_https_response(page, seen):
    hsts = seen[page]["headers"]["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains; preload"


def test_the_session_cookie_is_secure_and_http_only(seen):
    cookie = seen["login"]["cookies"]["sessionid"]
    assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_the_csrf_cookie_is_secure(seen):
    for page in ("login_page", "login"):
        assert seen[page]["cookies"]["csrftoken"]["secure"] is True


@pytest.mark.parametrize("page", ["login_page", "admin_index", "docs"])
def test_html_pages_have_the_policy_and_cannot_be_framed(page, seen):
    headers = seen[page]["headers"]
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_writes_need_the_csrf_token(seen):
    assert seen["api_write_without_token"]["status"] == 403
    assert seen["api_write_with_token"]["status"] == 201
    assert seen["admin_post_without_token"]["status"] == 403
    assert seen["admin_still_logged_in"]["status"] == 200
