"""Personal API tokens (SPEC §3 Authentication): shown once, stored as an HMAC, refused when
expired, revoked, malformed or owned by an inactive user, and audited."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from backoffice import secrets
from backoffice.actors import Actor
from backoffice.models import ApiToken, AuditEvent, User
from backoffice.services import TOKEN_KIND, token_create, token_revoke
from tests.backoffice.factories import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(users) -> User:
    return users["Developer"]


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def create_token(client, **body):
    response = client.post("/api/tokens", {"name": "ci", **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# Creation and storage ------------------------------------------------------------------


def test_create_returns_the_token_once(dev, client_for):
    client = client_for(dev)
    created = create_token(client, scope="read")
    assert created["token"].startswith(f"{TOKEN_KIND}_")
    assert created["prefix"] == created["token"][: len(created["prefix"])]
    assert created["scope"] == "read"
    assert created["status"] == "active"
    detail = client.get(f"/api/tokens/{created['id']}").json()
    assert "token" not in detail
    assert detail["id"] == created["id"]
    listed = client.get("/api/tokens").json()["items"]
    assert all("token" not in item for item in listed)
    assert created["id"] in [item["id"] for item in listed]


def test_created_token_authenticates(dev, anon):
    value = token_for(dev)
    response = anon.get("/api/me", **bearer(value))
    assert response.status_code == 200
    assert response.json()["email"] == dev.email


def test_token_is_stored_only_as_an_hmac(dev, client_for, settings):
    settings.TOKEN_HASH_KEY = "a-server-side-key-for-this-test"
    value = create_token(client_for(dev))["token"]
    row = ApiToken.objects.get(prefix=value[: len(TOKEN_KIND) + 1 + secrets.PUBLIC_ID_LENGTH])
    columns = model_to_dict(row, fields=[f.name for f in ApiToken._meta.fields])
    assert all(value not in str(column) for column in columns.values())
    expected = hmac.new(settings.TOKEN_HASH_KEY.encode(), value.encode(), hashlib.sha256)
    assert row.digest == expected.hexdigest()
    assert row.digest != hashlib.sha256(value.encode()).hexdigest()
    assert value not in str(row)
    assert value not in repr(row)


def test_token_format_is_prefix_public_id_secret_checksum():
    issued = secrets.issue_token(TOKEN_KIND)
    kind, public_id, rest = issued.value.split("_")
    assert kind == TOKEN_KIND
    assert len(public_id) == secrets.PUBLIC_ID_LENGTH
    assert len(rest) == secrets.SECRET_LENGTH + secrets.CHECKSUM_LENGTH
    assert secrets.token_prefix(issued.value, TOKEN_KIND) == issued.prefix


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expiresAt": "next tuesday"}, "expiresAt"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
    ],
)
def test_create_refuses_bad_input(body, field, dev, client_for):
    response = client_for(dev).post("/api/tokens", {"name": "ci", **body}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_request"
    assert list(problem["errors"]) == [field]


def test_create_with_expiry_reports_it_in_utc(dev, client_for):
    created = create_token(client_for(dev), expiresAt="2999-01-01T12:00:00+02:00")
    assert created["expiresAt"] == "2999-01-01T10:00:00.000000Z"


# Refusals ------------------------------------------------------------------------------


def _assert_401(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_expired_token_is_401(dev, anon):
    value = token_for(dev, expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(user=dev).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_401(anon.get("/api/me", **bearer(value)))


def test_revoked_token_is_401(dev, anon):
    value = token_for(dev)
    token_revoke(actor=Actor.for_user(dev), token=ApiToken.objects.get(user=dev))
    _assert_401(anon.get("/api/me", **bearer(value)))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not-a-token",
        f"Bearer {TOKEN_KIND}_short",
        "Bearer ghp_" + "a" * 60,
        "Bearer " + "é" * 10,
    ],
)
def test_malformed_token_is_401(header, anon, db):
    _assert_401(anon.get("/api/me", HTTP_AUTHORIZATION=header.encode().decode("latin-1")))


def test_bad_checksum_is_401_without_touching_the_database(dev, anon, django_assert_num_queries):
    value = token_for(dev)
    last = value[-1]
    tampered = value[:-1] + ("A" if last != "A" else "B")
    with django_assert_num_queries(0):
        response = anon.get("/api/me", **bearer(tampered))
    _assert_401(response)


def test_right_prefix_wrong_secret_is_401(dev, anon):
    value = token_for(dev)
    body = value[: -secrets.CHECKSUM_LENGTH - 1] + ("x" if value[-7] != "x" else "y")
    forged = body + secrets.checksum(body)
    assert secrets.token_prefix(forged, TOKEN_KIND) is not None
    _assert_401(anon.get("/api/me", **bearer(forged)))


@pytest.mark.parametrize(
    "status", [User.Status.DEACTIVATED, User.Status.SUSPENDED, User.Status.PENDING]
)
def test_token_of_an_inactive_user_is_401(status, dev, anon):
    value = token_for(dev)
    User.objects.filter(pk=dev.pk).update(status=status)
    _assert_401(anon.get("/api/me", **bearer(value)))


def test_read_token_cannot_create_tokens(dev, client_for):
    response = client_for(dev, "read").post("/api/tokens", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert ApiToken.objects.filter(user=dev).count() == 1


# Revocation ----------------------------------------------------------------------------


def test_revoke_stops_the_token_and_twice_is_409(dev, client_for, anon):
    client = client_for(dev)
    created = create_token(client)
    response = client.post(f"/api/tokens/{created['id']}/revoke")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revokedAt"] is not None
    _assert_401(anon.get("/api/me", **bearer(created["token"])))
    again = client.post(f"/api/tokens/{created['id']}/revoke")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "conflict"


def test_a_token_can_revoke_itself(dev, client_for):
    client = client_for(dev)
    own = ApiToken.objects.get(user=dev)
    assert client.post(f"/api/tokens/{own.id}/revoke").status_code == 200
    assert client.get("/api/tokens").status_code == 401


def test_malformed_token_id_is_404(dev, client_for):
    response = client_for(dev).get("/api/tokens/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# lastUsedAt ----------------------------------------------------------------------------


def _set_last_used(token: ApiToken, ago: timedelta | None):
    value = None if ago is None else timezone.now() - ago
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=value)
    return value


def test_last_used_is_set_on_first_use(dev, anon):
    value = token_for(dev)
    token = ApiToken.objects.get(user=dev)
    assert token.last_used_at is None
    before = timezone.now()
    anon.get("/api/me", **bearer(value))
    token.refresh_from_db()
    assert token.last_used_at >= before


def test_last_used_is_not_rewritten_within_a_minute(dev, anon):
    value = token_for(dev)
    token = ApiToken.objects.get(user=dev)
    recent = _set_last_used(token, timedelta(seconds=59))
    anon.get("/api/me", **bearer(value))
    token.refresh_from_db()
    assert token.last_used_at == recent


def test_last_used_is_rewritten_after_a_minute(dev, anon):
    value = token_for(dev)
    token = ApiToken.objects.get(user=dev)
    old = _set_last_used(token, timedelta(seconds=61))
    anon.get("/api/me", **bearer(value))
    token.refresh_from_db()
    assert token.last_used_at > old + timedelta(seconds=60)


def test_last_used_is_shown_as_last_used_at(dev, client_for):
    client = client_for(dev)
    token = ApiToken.objects.get(user=dev)
    body = client.get(f"/api/tokens/{token.id}").json()
    assert body["lastUsedAt"] is not None
    assert body["lastUsedAt"].endswith("Z")


# Audit ---------------------------------------------------------------------------------


def test_create_and_revoke_are_audited_with_the_actor(dev, client_for):
    client = client_for(dev)
    acting = ApiToken.objects.get(user=dev)
    created = create_token(client, scope="read")
    client.post(f"/api/tokens/{created['id']}/revoke")

    made = AuditEvent.objects.get(
        event_type="TOKEN_CREATED", targets__contains=[{"type": "apitoken", "id": created["id"]}]
    )
    assert made.actor_kind == "token"
    assert made.actor_user == dev
    assert made.actor_id == acting.id
    assert made.changes == {"scope": {"before": None, "after": "read"}}
    assert created["token"] not in str(made.targets) + str(made.changes) + made.actor_label

    revoked = AuditEvent.objects.get(event_type="TOKEN_REVOKED")
    assert revoked.actor_kind == "token"
    assert revoked.actor_user == dev
    assert revoked.actor_id == acting.id
    assert {"type": "apitoken", "id": created["id"]}.items() <= revoked.targets[1].items()
    assert revoked.changes == {"status": {"before": "active", "after": "revoked"}}


def test_revoke_records_who_revoked(dev):
    created = token_create(actor=Actor.for_user(dev), user=dev, name="x")
    token_revoke(actor=Actor.for_user(dev), token=created.token)
    created.token.refresh_from_db()
    assert created.token.revoked_by == dev
    assert created.token.status == "revoked"
