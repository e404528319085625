"""A database outage (SPEC §14): every path answers 503 with ``Retry-After`` and a body
without driver details, ``/healthz`` stays 200, and the same server process serves again by
itself once the database is back."""

import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client

from backoffice.pages import server_error
from backoffice.roles import Role
from tests.backoffice.factories import OrganizationFactory, member, token_for
from tests.reliability.tcp_proxy import TcpProxy, free_port

# What a 503 body must never carry: a traceback, SQL, the driver's or the server's words.
LEAKS = ("Traceback", "SELECT", "psycopg", "OperationalError", "connection", "5432")


@pytest.fixture
def token(transactional_db) -> str:
    """A real token of a real admin, committed before the database goes away."""
    return token_for(member(OrganizationFactory(), Role.ORGANIZATION_ADMIN))


@pytest.fixture
def database_down(transactional_db):
    """The default connection points at a port nothing listens on (refused at once) until
    the test ends."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    yield
    connection.close()
    connection.settings_dict.update(saved)


def assert_unavailable(response, content_type: str = "application/problem+json") -> None:
    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert not [leak for leak in LEAKS if leak in body]


def test_an_api_call_is_a_503_problem(token, database_down, anon):
    response = anon.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert_unavailable(response)
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["status"] == 503


def test_an_api_write_is_a_503_problem(token, database_down, anon):
    response = anon.post(
        "/api/tokens", {"name": "ci"}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert_unavailable(response)
    assert response.json()["code"] == "service_unavailable"


def test_readyz_is_a_503_and_healthz_stays_200(database_down, anon):
    assert_unavailable(anon.get("/readyz"))
    assert anon.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("path", "headers", "content_type"),
    [
        ("/v/aB3dE5fG7hJ9", {}, "text/html"),
        ("/v/aB3dE5fG7hJ9/cta", {}, "text/html"),
        ("/embed/v1/manifest?channelHandle=x", {"HTTP_X_PERCUS_API_KEY": "pk_x"}, "application/"),
    ],
    ids=["landing", "cta", "embed-manifest"],
)
def test_a_page_outside_the_api_is_a_503(database_down, anon, path, headers, content_type):
    """Django's test client would raise the exception if any view let it escape."""
    assert_unavailable(anon.get(path, **headers), content_type)


def test_the_invitation_page_is_a_503(database_down):
    """The page posts the link's token (it travels in the URL fragment)."""
    response = Client().post("/invitations/", {"token": "some-invitation-token", "step": "open"})
    assert_unavailable(response, "text/html")


def test_an_outage_outside_any_view_is_a_503_too(rf):
    """Django's 500 handler answers for failures outside a view (a middleware, the session
    save); it is called while the exception is being handled."""
    try:
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")
    except OperationalError:
        response = server_error(rf.get("/v/aB3dE5fG7hJ9"))

    assert_unavailable(response, "text/html")


def test_the_next_request_after_the_outage_is_served(token, anon):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(PORT=str(free_port()))
    try:
        down = anon.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    finally:
        connection.settings_dict.update(saved)

    assert down.status_code == 503
    assert anon.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


# The real server, recovering by itself ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
TOKEN_HASH_KEY = "reliability-tests-token-hash-key"


class Server:
    """gunicorn run as in production (as the benchmarks under ``bench/`` run it): production
    settings, DEBUG off, persistent database connections; one sync worker, so "the same
    process" is one process."""

    def __init__(self, database_url: str, tmp_path: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.log_path = tmp_path / "gunicorn.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "TOKEN_HASH_KEY": TOKEN_HASH_KEY,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "60",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable, "-m", "gunicorn", "backoffice.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--worker-class", "sync",
            "--timeout", "30", "--graceful-timeout", "5", "--error-logfile", "-",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # our own interpreter and arguments
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def wait_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text()}")

    def workers(self) -> set[int]:
        """Process ids of the master's workers (Linux)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def server(transactional_db, settings, tmp_path):
    """The app behind a database proxy that starts closed: the database is down."""
    database = settings.DATABASES["default"]
    proxy = TcpProxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    url = f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}"
    app = Server(url, tmp_path)
    try:
        app.wait_up()
        yield app, proxy
    finally:
        app.stop()
        proxy.close()


def assert_all_unavailable(app: Server, auth: dict[str, str]) -> None:
    for path, headers in [("/readyz", {}), ("/api/me", auth), ("/api/Projects", auth)]:
        status, response_headers, body = app.get(path, **headers)
        assert status == 503, (path, body)
        assert response_headers["Content-Type"] == "application/problem+json"
        assert int(response_headers["Retry-After"]) > 0
        assert not [leak for leak in LEAKS if leak in body.decode()]
    assert app.get("/healthz")[0] == 200


def assert_all_served(app: Server, auth: dict[str, str], email: str) -> None:
    assert app.get("/readyz")[0] == 200
    status, _, body = app.get("/api/me", **auth)
    assert status == 200, body
    assert json.loads(body)["email"] == email
    assert app.get("/api/Projects", **auth)[0] == 200


def test_the_same_server_process_serves_again_once_the_database_is_back(server, settings):
    app, proxy = server
    settings.TOKEN_HASH_KEY = TOKEN_HASH_KEY  # the server's key, so its digest matches
    admin = member(OrganizationFactory(), Role.ORGANIZATION_ADMIN)
    auth = {"Authorization": f"Bearer {token_for(admin)}"}
    workers = app.workers()

    assert_all_unavailable(app, auth)  # down from the start
    proxy.open()
    assert_all_served(app, auth, admin.email)
    proxy.close()  # down again: the worker's persistent connection is cut
    assert_all_unavailable(app, auth)
    proxy.open()
    assert_all_served(app, auth, admin.email)

    assert app.workers() == workers
    assert app.process.poll() is None
