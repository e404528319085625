"""``bin/demo`` runs a Celery worker on kombu's filesystem transport (no broker server): a
task sent by another process reaches that worker through the folder and runs."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_worker_runs_tasks_from_the_filesystem_broker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, "manage.py"]
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 300}
    migrated = subprocess.run([*manage, "migrate", "--noinput"], check=False, **run)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backoffice",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            f"--logfile={log}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sent = subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from projects.tasks import purge_trash; print(purge_trash.delay(0).id)",
            ],
            check=False,
            **run,
        )
        assert sent.returncode == 0, sent.stderr[-2000:]
        task_id = sent.stdout.strip().splitlines()[-1]
        deadline = time.monotonic() + 90
        done = f"Task projects.tasks.purge_trash[{task_id}] succeeded"
        while time.monotonic() < deadline:
            if log.exists() and done in log.read_text():
                break
            assert worker.poll() is None, log.read_text() if log.exists() else "worker died"
            time.sleep(0.2)
        else:
            raise AssertionError(log.read_text() if log.exists() else "no worker log")
        assert "{'purged': 0, 'skipped': 0}" in log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
