"""``bin/demo`` runs on SQLite while the suite runs on PostgreSQL: this runs the demo data and
the reads a demo user starts with, on a fresh SQLite database in another process (the
hand-written SQL of the hot paths must work on both)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_works_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sqlite_probe.py"))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    audit = next(what for what in seen if what.startswith("viewer /api/Organizations/"))
    assert seen.pop(audit) == 403
    failed = {what: status for what, status in seen.items() if status >= 400}
    assert not failed, failed
    assert seen["home"] == 200
    assert seen["landing"] == 200
    assert seen["cta"] == 302
    assert seen["manifest"] == 200
    assert seen["file"] == 200
