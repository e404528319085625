"""The documented deployment (``deploy/nginx-percus.conf`` in front of gunicorn with two sync
workers, SPEC §16) can't be stalled by slow clients: while 20 clients trickle request bodies
one byte at a time, ``/healthz`` answers within a second through nginx. The same clients
sent straight to gunicorn stall it (issue 17: 20+ s), which shows the test measures
something.

nginx runs as Debian installs it, not as a daemon, with a prefix, pid file, logs and temporary
folders of its own under the test's folder, on free ports."""

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.tcp_proxy import free_port
from tests.reliability.test_database_outage import ROOT, Server

NGINX = "/usr/sbin/nginx"
SLOW_CLIENTS = 20

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian's nginx is not installed")


class Nginx:
    def __init__(self, tmp_path: Path, upstream_port: int) -> None:
        self.port = free_port()
        self.prefix = tmp_path / "nginx"
        self.prefix.mkdir()
        site = (ROOT / "deploy" / "nginx-percus.conf").read_text()
        site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        site = site.replace("/var/log/nginx/", f"{self.prefix}/")
        (self.prefix / "percus.conf").write_text(site)
        temp = "".join(
            f"    {kind}_temp_path {self.prefix}/{kind}-temp;\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.prefix / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {self.prefix}/nginx.pid;\n"
            f"error_log {self.prefix}/error.log warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n{temp}    include {self.prefix}/percus.conf;\n}}\n"
        )
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
             "-e", str(self.prefix / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("nginx did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class SlowClients:
    """``count`` clients that each declare a 1 000-byte body and send one byte every 0.2 s."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.stop_event = threading.Event()
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []

    def _trickle(self, sock: socket.socket) -> None:
        try:
            while not self.stop_event.wait(0.2):
                sock.sendall(b"x")
        except OSError:
            pass

    def __enter__(self) -> "SlowClients":
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(
                b"POST /api/invitations/accept HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            )
            self.sockets.append(sock)
            thread = threading.Thread(target=self._trickle, args=(sock,), daemon=True)
            thread.start()
            self.threads.append(thread)
        time.sleep(1)  # every worker that would take one of them has
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=2)
        for sock in self.sockets:
            sock.close()


def healthz_seconds(port: int, timeout: float = 3) -> float | None:
    """Seconds ``GET /healthz`` took, or None when it didn't answer within ``timeout``."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
    except TimeoutError:
        return None
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    return time.monotonic() - started


@pytest.fixture
def deployment(transactional_db, settings, tmp_path):
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    app = Server(url, tmp_path, workers=2)
    nginx = Nginx(tmp_path, app.port)
    try:
        app.wait_up()
        nginx.start()
        yield app, nginx
    finally:
        nginx.stop()
        app.stop()


def test_healthz_answers_within_a_second_while_slow_clients_trickle_bodies(deployment):
    _, nginx = deployment
    assert healthz_seconds(nginx.port) is not None

    with SlowClients(nginx.port, SLOW_CLIENTS):
        timings = [healthz_seconds(nginx.port) for _ in range(5)]

    assert all(seconds is not None and seconds < 1 for seconds in timings), timings


def test_without_nginx_the_same_clients_stall_gunicorn(deployment):
    app, _ = deployment
    with SlowClients(app.port, 2):
        stalled = healthz_seconds(app.port, timeout=1.5)
    assert stalled is None
