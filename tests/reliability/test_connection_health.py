"""``CONN_HEALTH_CHECKS`` (SPEC §16): with persistent connections (``CONN_MAX_AGE``), a
connection the database server dropped between two requests is replaced when the next
request starts; without the check that request failed (issue 17: a 503 on each worker)."""

import io

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def wsgi_get(app: WSGIHandler, path: str) -> int:
    """One request through Django's WSGI handler, signals and all (the test client turns off
    the connection housekeeping this is about)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses = []
    body = app(environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    body.close()
    return int(statuses[0].split()[0])


@pytest.fixture
def persistent_connections():
    connection.close()
    saved = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = saved


def drop_the_connection() -> None:
    pid = connection.connection.info.backend_pid
    dsn = connection.get_connection_params()
    params = {key: dsn[key] for key in ("host", "port", "user", "password") if dsn.get(key)}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_health_checks_are_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_dropped_persistent_connection_is_replaced(persistent_connections):
    app = WSGIHandler()
    assert wsgi_get(app, "/readyz") == 200
    first = connection.connection.info.backend_pid

    drop_the_connection()

    assert wsgi_get(app, "/readyz") == 200
    assert wsgi_get(app, "/api/me") == 401  # reached the view and the database
    assert connection.connection.info.backend_pid != first
