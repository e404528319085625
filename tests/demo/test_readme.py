"""The README's operator commands and sample files are the real ones: each command line is
written as it runs (``uv run python manage.py …``) and names a command that exists, one of
them really runs that way, and the sample template files it points at exist."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
PREFIX = "uv run python manage.py "


def operator_lines() -> list[str]:
    section = README.split("## Operator commands", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_every_operator_command_is_written_as_it_runs():
    lines = operator_lines()

    assert lines
    for line in lines:
        assert line.startswith(PREFIX), line
        assert line[len(PREFIX) :].split()[0] in get_commands(), line


def test_no_bare_manage_py_command_elsewhere():
    """A ``python manage.py`` in a code span or block needs ``uv run`` before it (the one
    sentence that shows the activated-environment form says so)."""
    bare = [
        match.group(0)
        for match in re.finditer(r"(?<!uv run )python manage\.py \w+", README)
        if "activate" not in README[max(0, match.start() - 120) : match.start()]
        and "a plain" not in README[max(0, match.start() - 20) : match.start()]
    ]

    assert bare == []


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_a_command_runs_as_the_readme_writes_it():
    result = subprocess.run(
        ["uv", "run", "--frozen", "python", "manage.py", "help", "purge_trash"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "--older-than" in result.stdout


def test_the_sample_template_files_exist():
    section = README.split("## Sample template files", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"tests/templates/fixtures/([\w.]+)", section))
    named |= set(re.findall(r"`([\w]+\.(?:json|png|mp4))`", section))
    fixtures = ROOT / "tests" / "templates" / "fixtures"

    assert {"lottie.json", "manifest.json", "poster.png", "video.mp4", "overlay.json"} <= named
    assert all((fixtures / name).is_file() for name in named), named
