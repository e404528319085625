"""Secrets (issue 11, SPEC §14): personal API tokens, credential secrets (``sk_…``) and
invitation tokens are shown once and then never found again — not in any column of any table
(a raw dump of every row), not in any log record at any level (SQL included), not in error
responses, not in the admin."""

import base64
import logging
import re

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test import Client as DjangoClient
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from backoffice.models import ApiToken, Invitation
from backoffice.roles import Role
from credentials.models import ApiCredential
from tests.backoffice.factories import member, token_for
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/invitations/#([A-Za-z0-9_\-.:]+)")


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def every_log_record():
    """DEBUG on every logger, SQL with its parameters included; the records, formatted."""
    handler = Collect()
    names = ["", *logging.root.manager.loggerDict, "django.db.backends"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).addHandler(handler)
    connection.force_debug_cursor = True
    yield handler.records
    connection.force_debug_cursor = False
    for name in names:
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(levels[name])


def bearer(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def basic(key: str, secret: str) -> APIClient:
    client = APIClient()
    encoded = base64.b64encode(f"{key}:{secret}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {encoded}")
    return client


@pytest.fixture
def secrets_in_use(org, users, every_log_record, settings, django_capture_on_commit_callbacks):
    """Create a token, a credential and an invitation through the API, then use each one,
    and fail each one; returns the secrets and every response body seen."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin_user = users["OrganizationAdmin"]
    project = make_project(org, creator=admin_user, name="Secrets")
    client = bearer(token_for(admin_user))
    bodies: list[str] = []

    created = client.post("/api/tokens", {"name": "laptop", "scope": "write"}, format="json")
    assert created.status_code == 201, created.content
    token = created.json()["token"]

    created = client.post(
        "/api/credentials", {"projectId": str(project.pk), "name": "CRM"}, format="json"
    )
    assert created.status_code == 201, created.content
    api_key, api_secret = created.json()["apiKey"], created.json()["apiSecret"]

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            f"/api/Organizations/{org.pk}/invitations",
            {"email": "new.person@example.com", "role": "Viewer"},
            format="json",
        )
    assert created.status_code == 201, created.content
    bodies.append(created.content.decode())
    invitation_token = LINK.search(mail.outbox[-1].body).group(1)

    # use each of them
    assert bearer(token).get("/api/me").status_code == 200
    channels = basic(api_key, api_secret).get(f"/api/Projects/{project.pk}/distribution-channels")
    assert channels.status_code == 200, channels.content
    bodies.append(channels.content.decode())
    accepted = APIClient().post(
        "/api/invitations/accept",
        {"token": invitation_token, "password": "a long enough passphrase 42"},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    bodies.append(accepted.content.decode())

    # and fail with each of them: a used invitation, a revoked token, a wrong or revoked key
    again = APIClient().post(
        "/api/invitations/accept",
        {"token": invitation_token, "password": "a long enough passphrase 42"},
        format="json",
    )
    assert again.status_code >= 400
    bodies.append(again.content.decode())
    token_id = ApiToken.objects.get(user=admin_user, name="laptop").pk
    assert client.post(f"/api/tokens/{token_id}/revoke").status_code == 200
    credential_id = ApiCredential.objects.get(api_key=api_key).pk
    wrong = basic(api_key, api_secret[:-1] + ("A" if api_secret[-1] != "A" else "B"))
    failures = [
        bearer(token).get("/api/me"),
        bearer(token + "x").get("/api/me"),
        wrong.get(f"/api/Projects/{project.pk}/distribution-channels"),
        basic(api_key, api_secret).get("/api/me"),
        bearer(token).post("/api/tokens", {"name": token, "scope": token}, format="json"),
    ]
    assert client.post(f"/api/credentials/{credential_id}/revoke").status_code == 200
    failures.append(
        basic(api_key, api_secret).get(f"/api/Projects/{project.pk}/distribution-channels")
    )
    for response in failures:
        assert response.status_code >= 400
        bodies.append(response.content.decode())
    return {
        "token": token,
        "apiSecret": api_secret,
        "invitation": invitation_token,
        "bodies": bodies,
        "logs": every_log_record,
    }


def fragments(secret: str) -> list[str]:
    """The whole secret and its tail (the stored prefix or public id of a token is fine)."""
    return [secret, secret[-20:]]


def test_no_secret_in_any_column_of_any_table(secrets_in_use):
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT row_to_json(t)::text FROM {quoted} t")
            dump.extend(row[0] for row in cursor.fetchall())
    text = "\n".join(dump)
    assert ApiToken.objects.exists()
    assert Invitation.objects.exists()
    for name in ("token", "apiSecret", "invitation"):
        for fragment in fragments(secrets_in_use[name]):
            assert fragment not in text, f"{name} stored in clear"


def test_no_secret_in_any_log_record(secrets_in_use):
    records = secrets_in_use["logs"]
    assert any(record.name == "django.db.backends" for record in records), "SQL was not logged"
    text = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in records
    )
    for name in ("token", "apiSecret", "invitation"):
        for fragment in fragments(secrets_in_use[name]):
            assert fragment not in text, f"{name} logged"


def test_no_secret_in_error_or_later_responses(secrets_in_use):
    text = "\n".join(secrets_in_use["bodies"])
    for name in ("token", "apiSecret", "invitation"):
        for fragment in fragments(secrets_in_use[name]):
            assert fragment not in text, f"{name} echoed in a response"


def test_no_secret_in_the_admin(secrets_in_use, users):
    staff = DjangoClient()
    staff.force_login(users["Owner"])
    pages = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        try:
            pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        except NoReverseMatch:
            continue
        if model in (ApiToken, ApiCredential, Invitation):
            pages += [
                reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
                for obj in model._default_manager.all()
            ]
    seen = []
    for page in pages:
        response = staff.get(page)
        assert response.status_code == 200, page
        seen.append(response.content.decode())
    text = "\n".join(seen)
    for name in ("token", "apiSecret", "invitation"):
        for fragment in fragments(secrets_in_use[name]):
            assert fragment not in text, f"{name} shown in the admin"


def test_a_credential_never_lists_its_secret(org, users, client_for):
    project = make_project(org, creator=member(org, Role.PROJECT_MANAGER))
    client = client_for(users["OrganizationAdmin"])
    created = client.post("/api/credentials", {"projectId": str(project.pk)}, format="json")
    secret = created.json()["apiSecret"]
    listed = client.get("/api/credentials", {"projectId": str(project.pk)})
    detail = client.get(f"/api/credentials/{created.json()['id']}")
    assert listed.status_code == detail.status_code == 200
    assert secret not in listed.content.decode()
    assert secret not in detail.content.decode()
