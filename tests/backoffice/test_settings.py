"""Production mode refuses development secrets and passes ``check --deploy`` cleanly."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "backoffice.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "DEBUG": "false",
}


def manage(*args: str, without: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **PRODUCTION_ENV, **env}
    environment.pop(without, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": settings.DEVELOPMENT_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
    ],
)
def test_production_refuses_to_start_with_development_settings(env, message):
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_requires_allowed_hosts():
    result = manage("check", without="ALLOWED_HOSTS")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
