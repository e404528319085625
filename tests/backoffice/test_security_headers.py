"""Browser-facing hardening (SPEC §14): a Content-Security-Policy on every HTML page, admin
pages that can't be framed, and CSRF on every write made with a session."""

import itertools
import json
import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from backoffice.models import User
from backoffice.pages import machine_not_found
from tests.backoffice.factories import UserFactory

pytestmark = pytest.mark.django_db

CSRF_FAILED = "CSRF Failed"
UNSAFE = ("post", "put", "patch", "delete")


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="staff@percus.example")


@pytest.fixture
def session(staff) -> Client:
    """A logged-in browser that sends no CSRF token unless told to."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    return client


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


# Content-Security-Policy ---------------------------------------------------------------


def test_the_default_policy_allows_no_inline_or_foreign_script():
    policy = directives(settings.CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in settings.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/projects/project/",
        "/admin/projects/project/add/",
        "/admin/backoffice/user/",
        "/admin/backoffice/auditevent/",
        "/admin/password_change/",
        "/api/docs",
        "/api/me",  # the browsable API
        "/no/such/page",  # an HTML error page
        "/invitations/not-a-real-token",
    ],
)
def test_every_html_page_has_the_default_policy(path, session):
    response = session.get(path, HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_the_login_page_has_it_too(db):
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_swagger_ui_runs_no_inline_script(db):
    page = Client().get("/api/docs").content.decode()

    assert re.findall(r"<script>", page) == []  # every script has a src
    script = Client().get("/api/docs?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_the_admin_templates_carry_no_inline_script(session):
    for path in ("/admin/", "/admin/projects/project/", "/admin/projects/project/add/"):
        page = session.get(path).content.decode()
        inline = [tag for tag in re.findall(r"<script[^>]*>", page) if "src=" not in tag]
        # Only data blocks (JSON), which browsers never execute.
        assert all('type="application/json"' in tag for tag in inline), (path, inline)


def test_a_page_with_its_own_policy_keeps_it(db):
    response = Client().get("/v/no-such-share")

    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] != settings.CONTENT_SECURITY_POLICY
    assert "frame-ancestors" in response["Content-Security-Policy"]


def test_api_errors_carry_the_policy_as_well(db):
    response = Client().get("/api/nope")
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


# Framing -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/projects/project/", "/api/docs"])
def test_admin_and_docs_pages_cannot_be_framed(path, session):
    response = session.get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"


# CSRF ----------------------------------------------------------------------------------


#: Writes that authenticate nobody (the invitation link's token is the proof), so no session
#: is involved and no CSRF token is asked for.
ANONYMOUS_WRITES = {("post", "/api/invitations/accept")}


def _concrete(path: str) -> str:
    """The path with its ``{parameters}`` filled by values its URL pattern accepts."""
    names = re.findall(r"\{[^}]+\}", path)
    for values in itertools.product([str(uuid.uuid4()), "DEV", "1"], repeat=len(names)):
        candidate = path
        for name, value in zip(names, values, strict=True):
            candidate = candidate.replace(name, value, 1)
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if match.func is machine_not_found:  # the last route: every other /api/ path
            continue
        return candidate
    raise AssertionError(f"no route for {path}")


def _api_writes() -> list[tuple[str, str]]:
    """Every documented API operation that changes something, with made-up ids."""
    schema = json.loads(Client().get("/api/schema", {"format": "json"}).content)
    return [
        (method, _concrete(path))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in UNSAFE and (method, path) not in ANONYMOUS_WRITES
    ]


def test_the_anonymous_writes_really_authenticate_nobody():
    for _, path in ANONYMOUS_WRITES:
        assert resolve(path).func.view_class.authentication_classes == []


def test_every_api_write_with_a_session_and_no_token_is_403(session):
    writes = _api_writes()
    assert len(writes) > 40  # the whole API, not a handful

    refused = {}
    for method, path in writes:
        response = getattr(session, method)(path, b"{}", content_type="application/json")
        refused[(method, path)] = (response.status_code, CSRF_FAILED in response.json()["detail"])

    assert set(refused.values()) == {(403, True)}, [
        write for write, outcome in refused.items() if outcome != (403, True)
    ]


def test_the_same_session_write_with_the_token_goes_through(session):
    session.get("/admin/")  # the page sets the CSRF cookie
    token = session.cookies["csrftoken"].value

    response = session.post(
        "/api/tokens", {"name": "laptop"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/admin/projects/project/add/", {"name": "x"}),
        ("/admin/backoffice/user/", {"action": "delete_selected", "_selected_action": ["1"]}),
        ("/admin/password_change/", {"old_password": "a", "new_password1": "b"}),
        ("/admin/logout/", {}),
        ("/invitations/", {"token": "not-a-real-token", "password": "x"}),
    ],
)
def test_admin_posts_without_the_token_are_403(path, form, session, staff):
    response = session.post(path, form)

    assert response.status_code == 403
    assert session.get("/admin/").wsgi_request.user == staff  # still logged in: nothing ran


def test_an_admin_post_with_the_token_goes_through(session, staff):
    session.get("/admin/")  # the page (its logout form) sets the CSRF cookie
    token = session.cookies["csrftoken"].value

    response = session.post("/admin/logout/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
