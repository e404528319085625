"""Sending one webhook request without becoming an SSRF tool.

Every address the host resolves to is checked (no private, loopback, link-local, multicast,
reserved or cloud-metadata address unless development settings allow private ones), and the
connection goes to the checked address — a second DNS answer (rebinding) is never used. Only
https in production; no redirect is followed (a 3xx is a failed attempt); short timeouts; at
most ``WEBHOOK_MAX_RESPONSE_BYTES`` of the answer are read.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .constants import USER_AGENT

#: Refused even when development settings allow private addresses.
ALWAYS_REFUSED = [
    ipaddress.ip_network("169.254.169.254/32"),  # cloud instance metadata (AWS, GCP, Azure)
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("::/128"),
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be called (scheme, host or address)."""


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str
    duration_ms: int


def _allowed_address(address: IPAddress, allow_private: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_multicast or any(address in network for network in ALWAYS_REFUSED):
        return False
    if allow_private:
        return True
    return address.is_global and not (address.is_link_local or address.is_reserved)


def check_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of a URL we may call, else ``Refused`` with why."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "Invalid IPv6 URL": an unmatched or malformed bracketed host
        raise Refused("The URL's host is not valid.") from None
    allowed_schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed_schemes:
        names = " or ".join(sorted(allowed_schemes, reverse=True))
        raise Refused(f"Must be an absolute {names} URL, such as https://crm.example.com/hooks.")
    if parts.username or parts.password:
        raise Refused("The URL must not carry a user name or password.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The URL's port is not valid.") from None
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of ``host``, all of them allowed, else ``Refused``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"The host {host} could not be resolved.") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    refused = [str(a) for a in addresses if not _allowed_address(a, allow_private)]
    if refused or not addresses:
        raise Refused(
            f"The host {host} resolves to an address that is not allowed "
            f"(private, loopback, link-local, multicast or metadata): {', '.join(refused)}."
        )
    return addresses


def validate_url(url: str) -> None:
    """Refuse a URL that could never be called (used when an endpoint is saved)."""
    _scheme, host, port, _path = check_url(url)
    resolve(host, port)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` under the rules above. ``Refused`` for a forbidden target,
    ``OSError`` (timeouts included) or ``http.client.HTTPException`` for a failed exchange."""
    scheme, host, port, path = check_url(url)
    address = resolve(host, port)[0]
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout)
    started = time.monotonic()
    deadline = started + timeout
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        limit = settings.WEBHOOK_MAX_RESPONSE_BYTES
        received = bytearray()
        while len(received) < limit and time.monotonic() < deadline:
            chunk = response.read1(min(8192, limit - len(received)))
            if not chunk:
                break
            received += chunk
        return Answer(
            status=response.status,
            excerpt=received[:1000].decode("utf-8", "replace")[:1000],
            duration_ms=round((time.monotonic() - started) * 1000),
        )
    finally:
        connection.close()
