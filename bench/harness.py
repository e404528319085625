"""What the benchmark scripts share: the app started as in production (gunicorn), its
environment, API tokens for the bench users, wrk's figures, and the machine's description.
Every server binds 127.0.0.1 only and is stopped by its own process id."""

import http.client
import io
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from generate_projects import MEDIA_ROOT, TOKEN_HASH_KEY

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TOKEN_PATTERN = re.compile(r"pbt_[0-9A-Za-z]{8}_[0-9A-Za-z]{46}")


def server_database_url(url: str, options: str) -> str:
    """The URL with libpq ``options`` added; refuses a database that is not local."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("error: the benchmark runs on a local PostgreSQL only (127.0.0.1).")
    if not options:
        return url
    query = "&".join(filter(None, [parts.query, urlencode({"options": options}, quote_via=quote)]))
    return urlunsplit(parts._replace(query=query))


def production_env(database_url: str) -> dict[str, str]:
    """The environment of a server run as in production, on the bench database."""
    env = {
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "dummymail://",
        "TOKEN_HASH_KEY": TOKEN_HASH_KEY,  # the generated credentials' secret authenticates
        "MEDIA_ROOT": str(MEDIA_ROOT),  # the generated template files
    }
    return env


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn backoffice.wsgi`` with sync workers on a free port of 127.0.0.1, in its own
    session (so it can be stopped with everything it started)."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path, timeout: int = 60):
        self.port = free_port()
        self.log_path = log_path
        self.log = log_path.open("wb")
        command = [
            sys.executable, "-m", "gunicorn", "backoffice.wsgi:application",
            "--bind", f"{HOST}:{self.port}", "--workers", str(workers),
            "--worker-class", "sync", "--timeout", str(timeout), "--graceful-timeout", "5",
            "--log-level", "warning", "--error-logfile", "-",
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s")

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the master)."""
        found = subprocess.run(  # noqa: S603 - ps, read-only
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        return [int(pid) for pid in found.stdout.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session, started above
                self.process.wait(timeout=5)
        self.log.close()


def setup_django(env: dict[str, str]) -> None:
    """Set Django up in this process with the server's environment."""
    os.environ.update(env)  # the same SECRET_KEY as the server: token digests depend on it
    import django

    django.setup()


def make_token(email: str) -> tuple[str, str]:
    """A read token for the user: by ``manage.py create_api_token`` when the project has it,
    else by the service. Returns (token, how)."""
    from django.core.management import CommandError, call_command, get_commands

    from backoffice.actors import Actor
    from backoffice.models import User
    from backoffice.services import token_create

    if "create_api_token" in get_commands():
        for argv in (["--email", email, "--scope", "read"], [email]):
            out = io.StringIO()
            try:
                call_command("create_api_token", *argv, stdout=out, stderr=io.StringIO())
            except (CommandError, SystemExit, TypeError, ValueError):
                continue
            found = TOKEN_PATTERN.search(out.getvalue())
            if found:
                return found.group(0), "manage.py create_api_token"
    created = token_create(
        actor=Actor.system("bench"),
        user=User.objects.get(email=email),
        name="bench",
        scope="read",
        expires_at=datetime.now(UTC) + timedelta(hours=6),
    )
    return created.value, "backoffice.services.token_create"


def revoke_tokens(tokens: dict[str, str]) -> None:
    """Revoke the tokens made for a run."""
    from backoffice.actors import Actor
    from backoffice.models import ApiToken
    from backoffice.secrets import token_prefix
    from backoffice.services import token_revoke

    for value in tokens.values():
        prefix = token_prefix(value, "pbt")
        token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is not None:
            token_revoke(actor=Actor.system("bench"), token=token)


def parse_duration(text: str) -> float:
    """wrk's "1.23ms" / "2.5s" / "800us" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def machine_facts() -> dict:
    """CPUs, memory, OS, versions and the commit, for the report."""
    memory = cpu = ""
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo).group(1))
        memory = f"{kb / 1024 / 1024:.1f} GiB"
        cpu = re.search(r"model name\s+:\s+(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    commit = ""
    git = shutil.which("git")
    if git:
        run = subprocess.run  # read-only queries of the work tree
        head = run([git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = run([git, "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        commit = head.stdout.strip() + (" (+ uncommitted changes)" if dirty.stdout.strip() else "")
    import django
    import gunicorn
    import rest_framework

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": f"Django {django.__version__}, DRF {rest_framework.__version__}, "
        f"gunicorn {gunicorn.__version__}",
        "commit": commit,
    }


def fmt(value: float) -> str:
    """A figure with 3 significant digits or so."""
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
