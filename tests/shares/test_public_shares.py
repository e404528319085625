"""``/api/Projects/{projectId}/public-video-shares`` (SPEC §7): roles, every validation, the
upsert, disable/restore/rotate with their events, the project detail and query counts
(concurrent PUTs: tests/reliability/test_concurrency_invariants.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from credentials.services import credential_create, credential_revoke
from projects.services import project_archive
from shares.models import PublicVideoShare
from shares.services import share_disable, share_upsert
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

ROLES = ["Viewer", "Developer", "ProjectManager", "OrganizationAdmin", "Owner"]
MANAGERS = {"ProjectManager", "OrganizationAdmin", "Owner"}
SYSTEM = Actor.system("tests")
BODY = {
    "publicTitle": "Your personalized credit card offer",
    "publicSubtitle": "See the offer prepared just for you",
    "locale": "es-CL",
    "ctaLabel": "Apply now",
    "ctaUrl": "https://bank.example.com/apply",
    "personalizationData": {"firstName": "Ana"},
}


@pytest.fixture
def project(org):
    return make_project(org, name="Cards Q2")


def base(project) -> str:
    return f"/api/Projects/{project.pk}/public-video-shares"


def put(client, project, channel="PROD", **body):
    return client.put(f"{base(project)}/{channel}", body or BODY, format="json")


def make_share(project, channel="PROD", **fields):
    fields = {"public_title": "Offer", **fields}
    return share_upsert(actor=SYSTEM, project=project, channel=channel, fields=fields).share


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


# Roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_the_shares(role, users, client_for, project):
    share = make_share(project)
    response = client_for(users[role]).get(base(project))
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()] == [share.slug]


@pytest.mark.parametrize("role", ROLES)
def test_only_project_managers_and_up_put(role, users, client_for, project):
    response = put(client_for(users[role]), project)
    if role in MANAGERS:
        assert response.status_code == 201
    else:
        assert_problem(response, 403, "insufficient_role")
        assert not PublicVideoShare.objects.exists()


@pytest.mark.parametrize("verb", ["disable", "rotate-slug"])
@pytest.mark.parametrize("role", ["Viewer", "Developer"])
def test_readers_cant_disable_or_rotate(verb, role, users, client_for, project):
    share = make_share(project)
    response = client_for(users[role]).post(f"{base(project)}/PROD/{verb}")
    assert_problem(response, 403, "insufficient_role")
    share.refresh_from_db()
    assert share.is_enabled


def test_restore_needs_a_project_manager(users, client_for, project):
    share_disable(actor=SYSTEM, project=make_share(project).project, channel="PROD")
    response = client_for(users["Developer"]).post(f"{base(project)}/PROD/restore")
    assert_problem(response, 403, "insufficient_role")


def test_a_grant_makes_a_viewer_manage_that_projects_shares(users, client_for, project):
    from projects.services import project_grant_set

    viewer = users["Viewer"]
    project_grant_set(actor=SYSTEM, project=project, user=viewer, role="ProjectManager")
    assert put(client_for(viewer), project).status_code == 201


@pytest.mark.parametrize("method", ["get", "put", "post"])
def test_another_organization_gets_404(method, other_admin, client_for, project):
    make_share(project)
    client = client_for(other_admin)
    url = {"get": base(project), "put": f"{base(project)}/PROD"}.get(
        method, f"{base(project)}/PROD/disable"
    )
    response = getattr(client, method)(url, BODY, format="json")
    assert_problem(response, 404, "not_found")


def test_anonymous_gets_401(anon, project):
    assert_problem(anon.get(base(project)), 401, "unauthenticated")
    assert_problem(anon.put(f"{base(project)}/PROD", BODY, format="json"), 401, "unauthenticated")


def test_a_read_token_cant_put(users, client_for, project):
    response = put(client_for(users["ProjectManager"], scope="read"), project)
    assert_problem(response, 403, "insufficient_scope")


# Upsert ------------------------------------------------------------------------------------


def test_put_creates_then_updates(users, client_for, project, settings):
    settings.PUBLIC_SITE_URL = "https://watch.example.com"
    client = client_for(users["ProjectManager"])

    created = put(client, project)
    assert created.status_code == 201
    body = created.json()
    assert body["channel"] == "PROD"
    assert body["status"] == "Enabled"
    assert body["url"] == f"https://watch.example.com/v/{body['slug']}"
    assert len(body["slug"]) >= 22  # ≥ 128 bits, URL-safe base64
    assert body["personalizationData"] == {"firstName": "Ana"}
    assert body["viewCount"] == 0
    assert body["ctaClickCount"] == 0
    assert body["createdBy"] == str(users["ProjectManager"].pk)

    updated = put(client, project, **{**BODY, "publicTitle": "New title"})
    assert updated.status_code == 200
    assert updated.json()["publicTitle"] == "New title"
    assert updated.json()["slug"] == body["slug"]
    assert PublicVideoShare.objects.count() == 1
    again = put(client, project, **{**BODY, "publicTitle": "New title"})
    assert again.status_code == 200

    events = list(AuditEvent.objects.filter(event_type__startswith="SHARE_").order_by("created_at"))
    assert [e.event_type for e in events] == ["SHARE_CREATED", "SHARE_UPDATED"]
    assert events[1].changes == {
        "publicTitle": {"before": BODY["publicTitle"], "after": "New title"}
    }
    assert events[1].actor_kind == "token"
    assert events[1].actor_user_id == users["ProjectManager"].pk


def test_put_replaces_left_out_fields(users, client_for, project):
    client = client_for(users["ProjectManager"])
    put(client, project)
    body = put(client, project, publicTitle="Only a title").json()
    assert (body["publicSubtitle"], body["ctaLabel"], body["ctaUrl"]) == ("", "", "")
    assert body["personalizationData"] == {}


def test_lower_case_channel_and_unknown_channel(users, client_for, project):
    client = client_for(users["ProjectManager"])
    assert put(client, project, channel="staging").json()["channel"] == "STAGING"
    assert_problem(put(client, project, channel="QA"), 404, "not_found")
    assert_problem(client.post(f"{base(project)}/QA/disable"), 404, "not_found")
    assert_problem(client.get(f"{base(project)}/QA"), 404, "not_found")


def test_one_share_by_channel(users, client_for, project):
    make_share(project, "DEV")
    response = client_for(users["Viewer"]).get(f"{base(project)}/dev")
    assert response.status_code == 200
    assert response.json()["channel"] == "DEV"
    assert_problem(client_for(users["Viewer"]).get(f"{base(project)}/PROD"), 404, "not_found")


LONG_DATA = {"blob": "x" * (16 * 1024)}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"publicTitle": None}, "publicTitle"),
        ({"publicTitle": ""}, "publicTitle"),
        ({"publicTitle": "   "}, "publicTitle"),
        ({"publicTitle": "x" * 161}, "publicTitle"),
        ({"publicSubtitle": "x" * 281}, "publicSubtitle"),
        ({"locale": "not a locale"}, "locale"),
        ({"locale": "e"}, "locale"),
        ({"ctaUrl": ""}, "ctaUrl"),
        ({"ctaLabel": ""}, "ctaLabel"),
        ({"ctaUrl": "javascript:alert(1)"}, "ctaUrl"),
        ({"ctaUrl": "JavaScript:alert(1)"}, "ctaUrl"),
        ({"ctaUrl": "data:text/html,<script>alert(1)</script>"}, "ctaUrl"),
        ({"ctaUrl": "ftp://bank.example.com/"}, "ctaUrl"),
        ({"ctaUrl": "//bank.example.com/apply"}, "ctaUrl"),
        ({"ctaUrl": "https://"}, "ctaUrl"),
        ({"ctaUrl": "https://bank.example.com/a b"}, "ctaUrl"),
        ({"personalizationData": ["a", "list"]}, "personalizationData"),
        ({"personalizationData": "text"}, "personalizationData"),
        ({"personalizationData": LONG_DATA}, "personalizationData"),
        ({"apiCredentialId": "not-a-uuid"}, "apiCredentialId"),
    ],
)
def test_each_invalid_field_is_named(change, field, users, client_for, project):
    body = {**BODY, **change}
    if change.get("publicTitle") is None and "publicTitle" in change:
        body.pop("publicTitle")
    response = put(client_for(users["ProjectManager"]), project, **body)
    problem = assert_problem(response, 400, "invalid_request")
    assert field in problem["errors"], problem
    assert not PublicVideoShare.objects.exists()


def test_type_errors_and_rule_errors_come_in_one_400(users, client_for, project):
    body = {
        "publicTitle": "",
        "publicSubtitle": 5,
        "locale": "zz_$$",
        "ctaLabel": "x",
        "ctaUrl": "javascript:alert(1)",
        "personalizationData": [1],
        "expiresAt": "2020-01-01T00:00:00Z",
        "password": "short",
    }
    response = put(client_for(users["ProjectManager"]), project, **body)
    problem = assert_problem(response, 400, "invalid_request")
    assert set(problem["errors"]) == set(body) - {"ctaLabel"}, problem
    assert problem["errors"]["publicSubtitle"] == ["Must be a string."]
    assert not PublicVideoShare.objects.exists()


def test_limits_are_inclusive(users, client_for, project):
    body = {
        **BODY,
        "publicTitle": "t" * 160,
        "publicSubtitle": "s" * 280,
        "locale": "zh-Hant-TW",
        "ctaUrl": "http://bank.example.com/apply?x=1",
        "personalizationData": {"blob": "x" * (16 * 1024 - 20)},
    }
    assert put(client_for(users["ProjectManager"]), project, **body).status_code == 201


def test_no_cta_at_all_is_fine(users, client_for, project):
    body = {"publicTitle": "Offer"}
    response = put(client_for(users["ProjectManager"]), project, **body)
    assert response.status_code == 201
    assert response.json()["ctaUrl"] == ""


def test_an_active_credential_of_the_project_allowed_on_the_channel(
    org, users, client_for, project
):
    good = credential_create(actor=SYSTEM, project=project, channels=["PROD"]).credential
    other_project = credential_create(actor=SYSTEM, project=make_project(org, name="B"))
    revoked = credential_create(actor=SYSTEM, project=project).credential
    credential_revoke(actor=SYSTEM, credential=revoked)
    expired = credential_create(
        actor=SYSTEM, project=project, expires_at=timezone.now() + timedelta(seconds=1)
    ).credential
    type(expired).objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = client_for(users["ProjectManager"])

    for credential_id in [other_project.credential.pk, revoked.pk, expired.pk]:
        response = put(client, project, **{**BODY, "apiCredentialId": str(credential_id)})
        assert "apiCredentialId" in assert_problem(response, 400, "invalid_request")["errors"]
    response = put(client, project, "DEV", **{**BODY, "apiCredentialId": str(good.pk)})
    problem = assert_problem(response, 400, "invalid_request")
    assert "not allowed on DEV" in problem["errors"]["apiCredentialId"][0]

    response = put(client, project, **{**BODY, "apiCredentialId": str(good.pk)})
    assert response.status_code == 201
    assert response.json()["apiCredentialId"] == str(good.pk)


def test_several_errors_at_once(users, client_for, project):
    body = {"publicTitle": "x" * 161, "ctaLabel": "Go", "locale": "??"}
    problem = assert_problem(
        put(client_for(users["ProjectManager"]), project, **body), 400, "invalid_request"
    )
    assert set(problem["errors"]) == {"publicTitle", "ctaUrl", "locale"}


# Disable, restore, rotate ------------------------------------------------------------------


def test_disable_then_restore_record_who_and_when(users, client_for, project):
    make_share(project)
    pm = users["ProjectManager"]
    client = client_for(pm)

    disabled = client.post(f"{base(project)}/PROD/disable")
    assert disabled.status_code == 200
    assert disabled.json()["status"] == "Disabled"
    assert disabled.json()["disabledBy"] == str(pm.pk)
    assert disabled.json()["disabledByName"] == pm.display_name
    assert disabled.json()["disabledAt"]
    assert_problem(client.post(f"{base(project)}/PROD/disable"), 409, "conflict")

    restored = client.post(f"{base(project)}/PROD/restore")
    assert restored.status_code == 200
    assert restored.json()["status"] == "Enabled"
    assert restored.json()["restoredBy"] == str(pm.pk)
    assert_problem(client.post(f"{base(project)}/PROD/restore"), 409, "conflict")

    types = AuditEvent.objects.filter(project_id=project.pk).values_list("event_type", flat=True)
    assert {"SHARE_DISABLED", "SHARE_RESTORED"} <= set(types)


def test_restore_an_enabled_share_is_409(users, client_for, project):
    make_share(project)
    response = client_for(users["ProjectManager"]).post(f"{base(project)}/PROD/restore")
    assert_problem(response, 409, "conflict")


def test_actions_on_a_missing_share_are_404(users, client_for, project):
    client = client_for(users["ProjectManager"])
    for verb in ["disable", "restore", "rotate-slug"]:
        assert_problem(client.post(f"{base(project)}/PROD/{verb}"), 404, "not_found")


def test_rotate_slug_returns_both_and_changes_the_url(users, client_for, project, settings):
    settings.PUBLIC_SITE_URL = "https://watch.example.com"
    share = make_share(project)
    pm = users["ProjectManager"]

    response = client_for(pm).post(f"{base(project)}/PROD/rotate-slug")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"previousSlug", "slug", "url"}
    assert body["previousSlug"] == share.slug
    assert body["slug"] != share.slug
    assert body["url"] == f"https://watch.example.com/v/{body['slug']}"
    share.refresh_from_db()
    assert share.slug == body["slug"]
    assert share.slug_rotated_by == pm
    assert share.slug_rotated_at
    assert not PublicVideoShare.objects.filter(slug=body["previousSlug"]).exists()
    event = AuditEvent.objects.get(event_type="SLUG_ROTATED")
    assert event.actor_user == pm
    assert body["slug"] not in str(event.changes)  # the slug is the page's secret


def test_an_archived_projects_shares_are_read_only(users, client_for, project):
    make_share(project)
    project_archive(actor=SYSTEM, project=project)
    client = client_for(users["ProjectManager"])

    assert client.get(base(project)).status_code == 200
    assert_problem(put(client, project), 409, "conflict")
    for verb in ["disable", "restore", "rotate-slug"]:
        assert_problem(client.post(f"{base(project)}/PROD/{verb}"), 409, "conflict")


# Reads -------------------------------------------------------------------------------------


def test_the_project_detail_includes_the_shares(users, client_for, project):
    make_share(project, "PROD")
    make_share(project, "DEV")
    body = client_for(users["Viewer"]).get(f"/api/Projects/{project.pk}").json()
    assert [share["channel"] for share in body["publicVideoShares"]] == ["DEV", "PROD"]
    assert body["publicVideoShares"][0]["url"].endswith(body["publicVideoShares"][0]["slug"])


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count_is_constant(count, users, client_for, project, django_assert_num_queries):
    pm = users["ProjectManager"]
    for channel in ["DEV", "STAGING", "PROD"][:count]:
        share_upsert(
            actor=Actor.for_user(pm),
            project=project,
            channel=channel,
            fields={"public_title": "Offer"},
        )
        share_disable(actor=Actor.for_user(pm), project=project, channel=channel)
    client = client_for(users["Viewer"])

    # token, user, memberships, project, grants, shares
    with django_assert_num_queries(6):
        response = client.get(base(project))

    assert len(response.json()) == count


# live (SPEC §16 Lifecycle) -------------------------------------------------------------------


def test_live_says_whether_the_landing_page_plays(users, client_for, org):
    from tests.shares.public_helpers import published_project, upload_template

    client = client_for(users["ProjectManager"])
    project, _ = published_project(org)

    def live(channel: str) -> bool:
        rows = client.get(base(project)).json()
        return next(row["live"] for row in rows if row["channel"] == channel)

    # A share of a channel with nothing published: answered, but not live.
    response = put(client, project, channel="STAGING")
    assert response.status_code == 201
    assert response.json()["live"] is False
    assert put(client, project, channel="PROD").json()["live"] is True
    assert client.get(f"{base(project)}/PROD").json()["live"] is True
    assert client.get(f"{base(project)}/STAGING").json()["live"] is False

    staging = upload_template(project, version="2.0")
    from shares.services import channel_publish, channel_unpublish

    channel_publish(actor=SYSTEM, project=project, channel="STAGING", template_id=staging.pk)
    assert live("STAGING") is True
    channel_unpublish(actor=SYSTEM, project=project, channel="STAGING")
    assert live("STAGING") is False

    response = client.post(f"{base(project)}/PROD/disable")
    assert response.json()["live"] is False
    response = client.post(f"{base(project)}/PROD/restore")
    assert response.json()["live"] is True

    credential = credential_create(actor=SYSTEM, project=project, name="web").credential
    assert put(client, project, **{**BODY, "apiCredentialId": str(credential.pk)}).json()["live"]
    credential_revoke(actor=SYSTEM, credential=credential)
    assert live("PROD") is False

    project_archive(actor=SYSTEM, project=project)
    assert live("PROD") is False
