"""Who the client is, and whether it used HTTPS, when requests may come through proxies.

The socket's peer (``REMOTE_ADDR``) is the client unless it is one of ``TRUSTED_PROXIES``
(addresses or networks, none by default). Only then are ``X-Forwarded-For`` and
``X-Forwarded-Proto`` read, and only the hops the trusted proxies added: ``X-Forwarded-For``
is walked from the right (the entry the nearest proxy appended) past every trusted address,
and the first address that isn't trusted is the client. Anything a client wrote into those
headers itself sits to the left of that and is never read.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network."
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:5123"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(value: str) -> bool:
    address = _address(value)
    return address is not None and any(address in network for network in trusted_networks())


def peer_is_trusted(meta) -> bool:
    """The socket's peer is one of ``TRUSTED_PROXIES``."""
    return bool(settings.TRUSTED_PROXIES) and is_trusted(meta.get("REMOTE_ADDR", ""))


def client_address(meta) -> str:
    """The client's address for rate limits and logs (see the module docstring)."""
    peer = meta.get("REMOTE_ADDR", "") or "unknown"
    if not peer_is_trusted(meta):
        return peer
    client = peer
    hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # garbage from beyond the trusted proxies: keep the last good hop
            break
        client = str(address)
        if not is_trusted(client):
            break
    return client


def forwarded_proto(meta) -> str | None:
    """The scheme the nearest trusted proxy reported (the last ``X-Forwarded-Proto`` value),
    or None when the peer isn't a trusted proxy or said nothing usable."""
    if not peer_is_trusted(meta):
        return None
    values = [value.strip().lower() for value in meta.get("HTTP_X_FORWARDED_PROTO", "").split(",")]
    return values[-1] if values[-1] in ("http", "https") else None


class TrustedProxyMiddleware:
    """First in the chain: a request that did not come from a trusted proxy loses its
    ``X-Forwarded-*`` headers, so nothing after it (``SECURE_PROXY_SSL_HEADER``,
    ``request.is_secure()``, redirects, DRF) can be told a forged scheme or address; from a
    trusted proxy, ``X-Forwarded-Proto`` is reduced to the value that proxy added."""

    FORWARDED_HEADERS = (
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_FORWARDED_PROTO",
        "HTTP_X_FORWARDED_HOST",
        "HTTP_X_FORWARDED_PORT",
        "HTTP_FORWARDED",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if peer_is_trusted(meta):
            proto = forwarded_proto(meta)
            if proto is None:
                meta.pop("HTTP_X_FORWARDED_PROTO", None)
            else:
                meta["HTTP_X_FORWARDED_PROTO"] = proto
        else:
            for header in self.FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
