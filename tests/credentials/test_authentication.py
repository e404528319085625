"""HTTP Basic ``pk:sk``: a credential reads its own project's channels and public video shares
and nothing else; bad, revoked and expired credentials are 401; failures and use are
rate-limited; the secret is never stored nor logged in clear."""

import base64
import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.actors import Actor
from credentials.models import ApiCredential
from credentials.services import credential_create, credential_revoke
from shares.services import share_upsert
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


@pytest.fixture
def project(org):
    project = make_project(org, name="Cards Q2")
    for channel in ["DEV", "PROD"]:
        share_upsert(
            actor=SYSTEM, project=project, channel=channel, fields={"public_title": channel}
        )
    return project


@pytest.fixture
def project_b(org):
    project = make_project(org, name="Loans")
    share_upsert(actor=SYSTEM, project=project, channel="PROD", fields={"public_title": "B"})
    return project


@pytest.fixture
def created(project):
    return credential_create(actor=SYSTEM, project=project, name="Landing")


def basic(api_key: str, secret: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{api_key}:{secret}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def as_credential(created) -> APIClient:
    return basic(created.credential.api_key, created.secret)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    return body


def test_reads_its_projects_channels_and_shares(created, project):
    client = as_credential(created)

    channels = client.get(f"/api/Projects/{project.pk}/distribution-channels")
    shares = client.get(f"/api/Projects/{project.slug}/public-video-shares")
    one = client.get(f"/api/Projects/{project.pk}/public-video-shares/PROD")

    assert channels.status_code == 200
    assert [c["channel"] for c in channels.json()] == ["DEV", "STAGING", "PROD"]
    assert shares.status_code == 200
    assert [s["channel"] for s in shares.json()] == ["DEV", "PROD"]
    assert one.status_code == 200
    created.credential.refresh_from_db()
    assert created.credential.last_used_at is not None


def test_a_channel_restriction_filters_what_it_reads(project):
    restricted = credential_create(actor=SYSTEM, project=project, channels=["PROD"])
    client = as_credential(restricted)

    channels = client.get(f"/api/Projects/{project.pk}/distribution-channels").json()
    shares = client.get(f"/api/Projects/{project.pk}/public-video-shares").json()

    assert [c["channel"] for c in channels] == ["PROD"]
    assert [s["channel"] for s in shares] == ["PROD"]
    response = client.get(f"/api/Projects/{project.pk}/public-video-shares/DEV")
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("path", ["distribution-channels", "public-video-shares"])
def test_another_project_is_404(path, created, project_b, other_org):
    other_org_project = make_project(other_org, name="Elsewhere")
    client = as_credential(created)
    for other in [project_b, other_org_project]:
        assert_problem(client.get(f"/api/Projects/{other.pk}/{path}"), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/me",
        "/api/Projects",
        "/api/Projects/{id}",
        "/api/Projects/{id}/templates",
        "/api/Projects/{id}/comments",
        "/api/Projects/{id}/history",
        "/api/Projects/{id}/members",
        "/api/credentials?projectId={id}",
        "/api/tokens",
        "/api/Organizations",
    ],
)
def test_every_other_endpoint_refuses_it(path, created, project):
    response = as_credential(created).get(path.format(id=project.pk))
    assert_problem(response, 403, "insufficient_scope")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "public-video-shares/PROD"),
        ("post", "public-video-shares/PROD/disable"),
        ("post", "public-video-shares/PROD/rotate-slug"),
        ("post", "distribution-channels/PROD/unpublish"),
        ("post", "comments"),
    ],
)
def test_writes_are_refused(method, path, created, project):
    client = as_credential(created)
    response = getattr(client, method)(
        f"/api/Projects/{project.pk}/{path}", {"publicTitle": "Hacked"}, format="json"
    )
    assert_problem(response, 403, "insufficient_scope")
    assert not project.public_video_shares.filter(public_title="Hacked").exists()
    assert project.public_video_shares.filter(status="Enabled").count() == 2


def test_a_credential_cant_create_or_revoke_credentials(created, project):
    client = as_credential(created)
    response = client.post("/api/credentials", {"projectId": str(project.pk)}, format="json")
    assert_problem(response, 403, "insufficient_scope")
    response = client.post(f"/api/credentials/{created.credential.pk}/revoke")
    assert_problem(response, 403, "insufficient_scope")
    assert ApiCredential.objects.count() == 1


def test_a_forwarded_org_header_doesnt_help(created, project, org):
    client = as_credential(created)
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_X_PERCUS_FORWARDED_ORG_ROLE="OrganizationAdmin",
        HTTP_X_PERCUS_FORWARDED_ACTIVE_ORG=str(org.pk),
    )
    response = client.get(f"/api/Projects/{project.pk}/public-video-shares")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"pk_unknown:sk_whatever").decode(),
        "Basic " + base64.b64encode(b"user@example.com:password").decode(),
    ],
)
def test_malformed_or_unknown_is_401(header, project):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(f"/api/Projects/{project.pk}/public-video-shares")
    assert_problem(response, 401, "unauthenticated")


def test_a_wrong_secret_is_401(created, project):
    last = "y" if created.secret.endswith("x") else "x"  # always a different secret
    client = basic(created.credential.api_key, created.secret[:-1] + last)
    response = client.get(f"/api/Projects/{project.pk}/public-video-shares")
    assert_problem(response, 401, "unauthenticated")


def test_a_revoked_credential_is_401_at_once(created, project):
    client = as_credential(created)
    url = f"/api/Projects/{project.pk}/public-video-shares"
    assert client.get(url).status_code == 200
    credential_revoke(actor=SYSTEM, credential=created.credential)
    assert_problem(client.get(url), 401, "unauthenticated")


def test_an_expired_credential_is_401(created, project):
    ApiCredential.objects.filter(pk=created.credential.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = as_credential(created).get(f"/api/Projects/{project.pk}/public-video-shares")
    assert_problem(response, 401, "unauthenticated")


def test_a_trashed_projects_credential_is_401(created, project):
    from projects.services import project_trash

    project_trash(actor=SYSTEM, project=project)
    response = as_credential(created).get(f"/api/Projects/{project.pk}/public-video-shares")
    assert_problem(response, 401, "unauthenticated")


def test_failures_are_rate_limited_per_client(created, project, settings):
    settings.AUTH_FAILURE_LIMIT = (3, 60)
    url = f"/api/Projects/{project.pk}/public-video-shares"
    wrong = basic(created.credential.api_key, "sk_wrong")
    for _ in range(3):
        assert wrong.get(url).status_code == 401

    limited = wrong.get(url)
    right = as_credential(created).get(url)  # the same client address: refused as well

    assert_problem(limited, 429, "rate_limited")
    assert limited["Retry-After"]
    assert_problem(right, 429, "rate_limited")


def test_use_is_rate_limited_per_key(created, project, settings):
    settings.CREDENTIAL_RATE_LIMIT = (2, 60)
    url = f"/api/Projects/{project.pk}/public-video-shares"
    client = as_credential(created)
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert_problem(response, 429, "rate_limited")
    assert response["Retry-After"]
    other = credential_create(actor=SYSTEM, project=project)
    assert as_credential(other).get(url).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(created, project):
    client = as_credential(created)
    url = f"/api/Projects/{project.pk}/public-video-shares"
    client.get(url)
    created.credential.refresh_from_db()
    first = created.credential.last_used_at
    client.get(url)
    created.credential.refresh_from_db()
    assert created.credential.last_used_at == first


def test_the_secret_is_neither_stored_nor_logged(created, project, caplog):
    secret = created.secret
    caplog.set_level(logging.DEBUG)
    client = as_credential(created)

    client.get(f"/api/Projects/{project.pk}/public-video-shares")
    client.get("/api/me")  # a refused request is logged too
    basic(created.credential.api_key, secret + "x").get("/api/me")

    assert caplog.records  # the SQL and request logs were captured
    assert secret not in caplog.text
    encoded = base64.b64encode(f"{created.credential.api_key}:{secret}".encode()).decode()
    assert encoded not in caplog.text
    row = ApiCredential.objects.filter(pk=created.credential.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM credentials_apicredential c")
        assert all(secret not in text for (text,) in cursor.fetchall())


def test_reads_with_a_credential_keep_a_constant_query_count(
    created, project, django_assert_num_queries
):
    client = as_credential(created)
    # credential (with project and organization), last_used_at update, project, shares
    with django_assert_num_queries(4):
        response = client.get(f"/api/Projects/{project.pk}/public-video-shares")
    assert len(response.json()) == 2


def test_staff_identities_are_not_shown_to_a_credential(created, project, users, client_for):
    from shares.services import share_disable

    share_disable(actor=Actor.for_user(users["ProjectManager"]), project=project, channel="DEV")
    body = as_credential(created).get(f"/api/Projects/{project.pk}/public-video-shares").json()
    assert body[0]["disabledAt"]
    assert body[0]["disabledBy"] is body[0]["disabledByName"] is None
    assert users["ProjectManager"].email not in str(body)
    as_user = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}/public-video-shares")
    assert as_user.json()[0]["disabledBy"] == str(users["ProjectManager"].pk)
