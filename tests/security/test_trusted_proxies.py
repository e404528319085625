"""The client address and scheme come from the socket unless a trusted proxy reports them
(``TRUSTED_PROXIES``, SPEC §16): a forged ``X-Forwarded-For`` or ``X-Forwarded-Proto`` changes
nothing, and behind trusted proxies only the hops they added are read."""

import pytest
from django.test import Client

from backoffice.proxies import client_address

pytestmark = pytest.mark.django_db

BAD_TOKEN = "Bearer pbt_notreal"


@pytest.fixture
def low_limit(settings):
    settings.AUTH_FAILURE_LIMIT = (3, 60)


@pytest.fixture
def behind_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::1"]


# The address ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # No trusted proxies configured: the header is never read.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("10.0.0.2", "198.51.100.1", "10.0.0.2"),
    ],
)
def test_without_trusted_proxies_the_socket_is_the_client(peer, forwarded_for, client):
    meta = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert client_address(meta) == client


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # A direct client's own header is ignored.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # One proxy: the hop it appended.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # A client-written prefix stays to the left and is not read.
        ("10.0.0.2", "127.0.0.1, 1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two trusted proxies: past both.
        ("10.0.0.2", "forged, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        # IPv6 proxy, IPv6 client, ports and brackets.
        ("2001:db8:ffff::1", "[2001:db8::7]:443", "2001:db8::7"),
        ("10.0.0.2", "198.51.100.1:5123", "198.51.100.1"),
        # IPv4-mapped socket address of a trusted proxy.
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # Only trusted hops: the leftmost of them.
        ("10.0.0.2", "10.9.9.9", "10.9.9.9"),
        # No header: the proxy itself.
        ("10.0.0.2", "", "10.0.0.2"),
        # Garbage where the client should be: the last hop a trusted proxy vouched for.
        ("10.0.0.2", "198.51.100.1, not-an-address, 10.1.2.3", "10.1.2.3"),
    ],
)
def test_behind_trusted_proxies_only_their_hops_are_read(
    behind_proxies, peer, forwarded_for, client
):
    meta = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert client_address(meta) == client


def test_a_rotating_forged_header_does_not_escape_the_auth_failure_limit(low_limit, anon):
    statuses = [
        anon.get(
            "/api/me", HTTP_AUTHORIZATION=BAD_TOKEN, HTTP_X_FORWARDED_FOR=f"198.51.100.{index}"
        ).status_code
        for index in range(10)
    ]
    assert statuses == [401] * 3 + [429] * 7


def test_a_forged_header_cannot_lock_another_client_out(low_limit, anon, users, client_for):
    attacker = {"REMOTE_ADDR": "203.0.113.66", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    for _ in range(5):
        anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN, **attacker)
    # The real 127.0.0.1 (the test client's address) still gets in.
    assert client_for(users["Viewer"]).get("/api/me").status_code == 200
    # The attacker is the one locked out.
    assert anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN, **attacker).status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    low_limit, behind_proxies, anon, users, client_for
):
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        anon.get(
            "/api/me",
            HTTP_AUTHORIZATION=BAD_TOKEN,
            HTTP_X_FORWARDED_FOR="198.51.100.1",
            **via_proxy,
        )
    locked = anon.get(
        "/api/me",
        HTTP_AUTHORIZATION=BAD_TOKEN,
        # The attacker prepends addresses: still the hop the proxy added.
        HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.1",
        **via_proxy,
    )
    assert locked.status_code == 429
    viewer = client_for(users["Viewer"])
    assert (
        viewer.get("/api/me", HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy).status_code == 200
    )


def test_public_pages_count_the_socket_not_a_forged_header(settings):
    settings.PUBLIC_RATE_LIMIT = (3, 60)
    browser = Client()
    statuses = [
        browser.get("/player/", HTTP_X_FORWARDED_FOR=f"198.51.100.{index}").status_code
        for index in range(5)
    ]
    assert statuses == [200] * 3 + [429] * 2


# The scheme ----------------------------------------------------------------------------------


@pytest.fixture
def https_only(settings):
    """Production's scheme settings (``backoffice.settings.production``)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True


def test_a_forged_forwarded_proto_is_not_believed(https_only):
    response = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_a_trusted_proxy_reports_https(https_only, behind_proxies):
    response = Client(REMOTE_ADDR="10.0.0.2").get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.wsgi_request.is_secure()


def test_only_the_hop_the_trusted_proxy_added_counts_for_the_scheme(https_only, behind_proxies):
    # The client wrote "https"; the proxy appended what it saw: plain HTTP.
    response = Client(REMOTE_ADDR="10.0.0.2").get("/healthz", HTTP_X_FORWARDED_PROTO="https, http")
    assert response.status_code == 301


# Admin login --------------------------------------------------------------------------------


def _login(email: str, password: str, **extra):
    client = Client(**extra)
    return client.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}
    )


def test_a_rotating_forged_header_does_not_escape_the_admin_login_limit(settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = (3, 900)
    statuses = [
        _login(
            f"x{index}@percus.example", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{index}"
        ).status_code
        for index in range(5)
    ]
    assert statuses == [200] * 3 + [429] * 2
