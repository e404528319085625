"""Celery (SPEC §17): the broker comes from the environment, and a real worker consuming from
Redis runs the scheduled work through the same services as the commands."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.celery import app
from backoffice.models import AuditEvent
from projects.models import Project
from projects.services import project_trash
from projects.tasks import purge_trash
from tests.conftest import wait_for
from tests.projects.factories import make_project

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = Actor.system("tests")


def test_the_tests_use_their_own_redis_database():
    assert settings.CELERY_BROKER_URL == "redis://127.0.0.1:6379/7"
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late is True


def _settings_value(module: str, name: str, **env: str) -> str:
    """A setting as a fresh process reads it from ``env``."""
    code = f"from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_broker_url_comes_from_the_environment():
    url = "redis://broker.internal:6379/3"
    assert _settings_value("backoffice.settings.local", "CELERY_BROKER_URL") == "filesystem://"
    assert (
        _settings_value("backoffice.settings.local", "CELERY_BROKER_URL", CELERY_BROKER_URL=url)
        == url
    )


def test_beat_schedules_the_trash_purge():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-trash"]
    assert entry["task"] in app.tasks
    assert entry["kwargs"] == {"older_than_days": 14}


def test_a_worker_purges_the_old_trash(org, celery_worker):
    old = make_project(org, name="Old campaign")
    recent = make_project(org, name="Recent campaign")
    project_trash(actor=SYSTEM, project=old)
    project_trash(actor=SYSTEM, project=recent)
    Project.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=20))

    purge_trash.delay(older_than_days=14)

    wait_for(lambda: not Project.objects.filter(pk=old.pk).exists())
    assert Project.objects.filter(pk=recent.pk).exists()
    event = AuditEvent.objects.get(event_type="PROJECT_PURGED")
    assert event.actor_label == "task:purge_trash"


@pytest.mark.django_db
def test_a_worker_survives_a_message_for_a_missing_project(org, celery_worker):
    """Nothing to purge is a normal outcome, not an error that kills the worker."""
    purge_trash.delay(older_than_days=0)
    old = make_project(org, name="Old campaign")
    project_trash(actor=SYSTEM, project=old)
    purge_trash.delay(older_than_days=0)
    wait_for(lambda: not Project.objects.filter(pk=old.pk).exists())
