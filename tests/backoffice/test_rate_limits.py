"""Failed token authentications are rate-limited per client address."""

import pytest

from backoffice.ratelimit import Limit

pytestmark = pytest.mark.django_db

BAD_TOKEN = "Bearer pbt_notreal"


@pytest.fixture
def low_limit(settings):
    settings.AUTH_FAILURE_LIMIT = (3, 60)


def test_failures_past_the_limit_get_429_with_retry_after(low_limit, anon):
    for _ in range(3):
        assert anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN).status_code == 401
    response = anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


def test_a_locked_out_client_is_refused_even_with_a_valid_token(low_limit, anon, users, client_for):
    for _ in range(3):
        anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN)
    assert client_for(users["Viewer"]).get("/api/me").status_code == 429


def test_another_client_address_is_not_affected(low_limit, anon, users, client_for):
    for _ in range(4):
        anon.get("/api/me", HTTP_AUTHORIZATION=BAD_TOKEN)
    response = client_for(users["Viewer"]).get("/api/me", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200


def test_successes_do_not_count(low_limit, users, client_for):
    client = client_for(users["Viewer"])
    for _ in range(10):
        assert client.get("/api/me").status_code == 200


@pytest.mark.parametrize("ident", ["Role | str | None", "clé ³F ë1b", "x" * 300, "a\nb"])
def test_any_identity_makes_a_key_the_cache_accepts(ident):
    """Client-chosen identities (an API key header, say) are digested, never refused by the
    cache (the suite turns Django's CacheKeyWarning into an error)."""
    limit = Limit(scope="test", count=1, window_seconds=60)
    assert limit.hit(ident) == 1
    assert limit.hit(ident) == 2
    assert limit.hit(ident + "?") == 1
