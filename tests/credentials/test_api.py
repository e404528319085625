"""``/api/credentials``: roles, validation, the secret shown once and stored only as a hash."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from credentials.models import ApiCredential
from credentials.services import credential_authenticate, credential_create, credential_revoke
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

ROLES = ["Viewer", "Developer", "ProjectManager", "OrganizationAdmin", "Owner"]
MANAGERS = {"ProjectManager", "OrganizationAdmin", "Owner"}


@pytest.fixture
def project(org):
    return make_project(org, name="Cards Q2")


def create(client, project, **body):
    return client.post("/api/credentials", {"projectId": str(project.pk), **body}, format="json")


def made(project, **fields):
    return credential_create(actor=Actor.system("tests"), project=project, **fields)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_credentials_without_secrets(role, users, client_for, project):
    created = made(project, name="Landing")
    response = client_for(users[role]).get(f"/api/credentials?projectId={project.slug}")
    assert response.status_code == 200
    body = response.json()
    assert [item["apiKey"] for item in body["items"]] == [created.credential.api_key]
    assert "apiSecret" not in body["items"][0]
    assert created.secret not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_project_managers_and_up_create(role, users, client_for, project):
    response = create(client_for(users[role]), project, name="Landing", channels=["PROD"])
    if role in MANAGERS:
        assert response.status_code == 201
        body = response.json()
        assert body["apiKey"].startswith("pk_")
        assert body["apiSecret"].startswith("sk_")
        assert len(body["apiSecret"]) >= 46
        assert body["channels"] == ["PROD"]
        assert body["status"] == "active"
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_role"
        assert not ApiCredential.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_project_managers_and_up_revoke(role, users, client_for, project):
    credential = made(project).credential
    response = client_for(users[role]).post(f"/api/credentials/{credential.pk}/revoke")
    assert response.status_code == (200 if role in MANAGERS else 403)
    credential.refresh_from_db()
    assert (credential.revoked_at is not None) == (role in MANAGERS)


def test_a_grant_makes_a_viewer_a_manager_of_that_project_only(org, users, client_for, project):
    from projects.services import project_grant_set

    viewer = users["Viewer"]
    project_grant_set(
        actor=Actor.system("tests"), project=project, user=viewer, role="ProjectManager"
    )
    other = make_project(org, name="Other")
    client = client_for(viewer)
    assert create(client, project).status_code == 201
    assert create(client, other).status_code == 403


def test_another_organization_gets_404(other_admin, client_for, project):
    credential = made(project).credential
    client = client_for(other_admin)
    assert client.get(f"/api/credentials?projectId={project.pk}").status_code == 404
    assert create(client, project).status_code == 404
    assert client.post(f"/api/credentials/{credential.pk}/revoke").status_code == 404
    assert client.get(f"/api/credentials/{credential.pk}").status_code == 404


def test_anonymous_gets_401(anon, project):
    assert anon.get(f"/api/credentials?projectId={project.pk}").status_code == 401
    assert create(anon, project).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": ["QA"]}, "channels.0"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_bad_input_names_the_field(users, client_for, project, body, field):
    response = create(client_for(users["ProjectManager"]), project, **body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_an_unknown_channel_lists_the_channels(users, client_for, project):
    response = create(client_for(users["ProjectManager"]), project, name="Web", channels=["prod"])

    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["channels.0"]
    assert message == '"prod" is not a valid choice: one of DEV, STAGING, PROD.'


def test_list_needs_a_project(users, client_for):
    response = client_for(users["Viewer"]).get("/api/credentials")
    assert response.status_code == 400
    assert "projectId" in response.json()["errors"]


def test_the_secret_is_stored_only_as_a_digest(users, client_for, project):
    response = create(client_for(users["ProjectManager"]), project, name="Landing")
    secret = response.json()["apiSecret"]
    row = ApiCredential.objects.values().get()
    assert all(secret not in str(value) for value in row.values())
    assert row["secret_digest"] != secret
    assert len(row["secret_digest"]) == 64
    assert secret not in str(AuditEvent.objects.values_list("changes", "targets"))


def test_revoking_twice_is_a_conflict(users, client_for, project):
    credential = made(project).credential
    client = client_for(users["ProjectManager"])
    assert client.post(f"/api/credentials/{credential.pk}/revoke").status_code == 200
    response = client.post(f"/api/credentials/{credential.pk}/revoke")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_create_and_revoke_are_audited(users, client_for, project):
    client = client_for(users["ProjectManager"])
    credential_id = create(client, project, name="Landing").json()["id"]
    client.post(f"/api/credentials/{credential_id}/revoke")
    events = AuditEvent.objects.filter(project_id=project.pk).order_by("created_at")
    types = list(events.values_list("event_type", flat=True))
    assert types[-2:] == ["CREDENTIAL_CREATED", "CREDENTIAL_REVOKED"]
    assert events.last().actor_kind == "token"


def test_key_and_secret_authenticate_until_revoked_or_expired(project):
    created = made(project)
    key = created.credential.api_key
    assert credential_authenticate(key, created.secret) == created.credential
    assert credential_authenticate(key, created.secret + "x") is None
    assert credential_authenticate("pk_unknown", created.secret) is None

    expiring = made(project, expires_at=timezone.now() + timedelta(hours=1))
    ApiCredential.objects.filter(pk=expiring.credential.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert credential_authenticate(expiring.credential.api_key, expiring.secret) is None

    credential_revoke(actor=Actor.system("tests"), credential=created.credential)
    assert credential_authenticate(key, created.secret) is None


def test_a_trashed_project_stops_its_credentials(project):
    created = made(project)
    type(project).objects.filter(pk=project.pk).update(trashed_at=timezone.now())
    assert credential_authenticate(created.credential.api_key, created.secret) is None


def test_last_used_is_written_at_most_once_a_minute(project):
    created = made(project)
    credential_authenticate(created.credential.api_key, created.secret)
    first = ApiCredential.objects.get().last_used_at
    assert first is not None
    credential_authenticate(created.credential.api_key, created.secret)
    assert ApiCredential.objects.get().last_used_at == first


@pytest.mark.parametrize("count", [2, 20])
def test_list_queries_do_not_grow(count, users, client_for, project, django_assert_num_queries):
    for _ in range(count):
        made(project)
    client = client_for(users["Viewer"])
    client.get(f"/api/credentials?projectId={project.pk}")  # token last-used write
    # token, memberships, project, the caller's grants on it, count, page
    with django_assert_num_queries(6):
        response = client.get(f"/api/credentials?projectId={project.pk}")
    assert len(response.json()["items"]) == count


def test_admin_shows_the_secret_once_and_never_again(users, client, project):
    client.force_login(users["Owner"])
    response = client.post(
        "/admin/credentials/apicredential/add/",
        {"project": str(project.pk), "name": "From admin", "channels": ["DEV"], "expires_at": ""},
    )
    assert response.status_code == 200
    credential = ApiCredential.objects.get()
    page = response.content.decode()
    assert credential.api_key in page
    assert "sk_" in page
    secret = page.split("<code>sk_")[1].split("</code>")[0]
    assert credential_authenticate(credential.api_key, "sk_" + secret) == credential
    for url in (
        "/admin/credentials/apicredential/",
        f"/admin/credentials/apicredential/{credential.pk}/change/",
    ):
        later = client.get(url)
        assert later.status_code == 200
        assert secret not in later.content.decode()
        assert credential.secret_digest not in later.content.decode()


def test_admin_revoke_action_goes_through_the_service(users, client, project):
    credential = made(project).credential
    client.force_login(users["Owner"])
    client.post(
        "/admin/credentials/apicredential/",
        {"action": "revoke", "_selected_action": [str(credential.pk)], "post": "yes"},
    )
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert AuditEvent.objects.filter(event_type="CREDENTIAL_REVOKED").exists()
