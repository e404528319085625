"""The authorization matrix (issue 11, SPEC §3, §14): every operation of the OpenAPI schema,
each principal, the expected outcome — written here from the SPEC, independently of
``backoffice/roles.py`` — and checked against the running app.

Cells: ``A`` allowed (any status but 401/403/404: a success, or a validation/conflict 4xx
that shows the request got past authorization), ``1`` 401, ``3`` 403, ``4`` 404.
Each principal's request runs in a savepoint that is rolled back, so destructive operations
(delete, trash, revoke…) meet the same fresh world for every principal.
"""

import base64
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from backoffice.actors import Actor
from backoffice.roles import Role
from backoffice.services import invitation_create, token_create, token_revoke
from collaboration.services import guest_invite, project_group_link
from credentials.services import credential_create
from projects.services import project_activate, project_grant_set
from projects.thumbnails import FOLDER, thumbnail_url
from shares.services import channel_publish, deploy_request_create, share_upsert
from templates.files import file_token
from tests.backoffice.factories import member, token_for
from tests.collaboration.factories import make_comment, make_group
from tests.projects.factories import make_project
from tests.templates.helpers import make_template, upload_form
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_create

pytestmark = pytest.mark.django_db

WEBHOOK_URL = "http://127.0.0.1:9/hooks"  # the test settings allow loopback; nothing is sent

PRINCIPALS = [
    "anon",  # no credentials
    "revoked",  # a revoked token (of an OrganizationAdmin)
    "read",  # a read-scope token of an OrganizationAdmin
    "Viewer",
    "Developer",
    "ProjectManager",
    "OrganizationAdmin",
    "Owner",  # the system owner (superuser)
    "other_admin",  # another organization's OrganizationAdmin
    "elevated",  # an org Viewer with a ProjectManager grant on the project
    "guest",  # a Viewer of another organization with a Viewer grant on the project
    "credential",  # an API credential of the project, HTTP Basic pk:sk
]

# Reading guide for a row: anon revoked read | V D PM OA Owner | other elevated guest | cred
ANY_READ = "1 1 A A A A A A 4 A A 3"  # Viewer+ of the project (credentials can't)
CRED_READ = "1 1 A A A A A A 4 A A A"  # …and the project's API credential can
PM_WRITE = "1 1 3 3 3 A A A 4 A 3 3"  # ProjectManager+ (the grant counts)
DEV_WRITE = "1 1 3 3 A A A A 4 A 3 3"  # Developer+
ADMIN_WRITE = "1 1 3 3 3 3 A A 4 3 3 3"  # OrganizationAdmin (a project grant is not enough)
ORG_READ = "1 1 A A A A A A 4 A 4 3"  # members of the organization
ORG_ADMIN_READ = "1 1 A 3 3 3 A A 4 3 4 3"
ORG_ADMIN_WRITE = "1 1 3 3 3 3 A A 4 3 4 3"
ANY_USER_READ = "1 1 A A A A A A A A A 3"  # any signed-in person (their own things)
ANY_USER_WRITE = "1 1 3 A A A A A A A A 3"

MATRIX: dict[tuple[str, str], str] = {
    # identity
    ("GET", "/api/me"): ANY_USER_READ,
    ("GET", "/api/tokens"): ANY_USER_READ,
    ("POST", "/api/tokens"): ANY_USER_WRITE,
    # a token of the OrganizationAdmin: nobody else sees it, not even the owner
    ("GET", "/api/tokens/{id}"): "1 1 A 4 4 4 A 4 4 4 4 3",
    ("POST", "/api/tokens/{id}/revoke"): "1 1 3 4 4 4 A 4 4 4 4 3",
    # the token from the e-mailed link is the proof: no authentication at all, so even a
    # revoked bearer token or a credential is ignored
    ("POST", "/api/invitations/accept"): "A A A A A A A A A A A A",
    # a signed, short-lived URL: the signature is the authorization, headers are ignored
    ("GET", "/api/files/{token}"): "A A A A A A A A A A A A",
    ("GET", "/api/thumbnails/{token}"): "A A A A A A A A A A A A",
    # organizations
    ("GET", "/api/Organizations"): ANY_USER_READ,
    ("GET", "/api/Organizations/{id}"): ORG_READ,
    ("PATCH", "/api/Organizations/{id}"): ORG_ADMIN_WRITE,
    ("GET", "/api/Organizations/{organizationId}/members"): ORG_READ,
    ("PUT", "/api/Organizations/{organizationId}/members/{userId}/role"): ORG_ADMIN_WRITE,
    ("POST", "/api/Organizations/{organizationId}/members/{userId}/deactivate"): (ORG_ADMIN_WRITE),
    ("POST", "/api/Organizations/{organizationId}/members/{userId}/reactivate"): (ORG_ADMIN_WRITE),
    ("GET", "/api/Organizations/{organizationId}/invitations"): ORG_ADMIN_READ,
    ("POST", "/api/Organizations/{organizationId}/invitations"): ORG_ADMIN_WRITE,
    ("POST", "/api/Organizations/{organizationId}/invitations/{id}/resend"): ORG_ADMIN_WRITE,
    ("POST", "/api/Organizations/{organizationId}/invitations/{id}/revoke"): ORG_ADMIN_WRITE,
    ("GET", "/api/Organizations/{organizationId}/audit-events"): ORG_ADMIN_READ,
    ("GET", "/api/Organizations/{organizationId}/audit-events/export"): ORG_ADMIN_READ,
    # SPEC §9 says "CRUD (OrgAdmin)"; the app lets members read the groups (their names
    # already show in a project's all-users), which we accept: changes stay OrgAdmin-only
    ("GET", "/api/Organizations/{organizationId}/user-groups"): ORG_READ,
    ("POST", "/api/Organizations/{organizationId}/user-groups"): ORG_ADMIN_WRITE,
    ("GET", "/api/Organizations/{organizationId}/user-groups/{id}"): ORG_READ,
    ("PATCH", "/api/Organizations/{organizationId}/user-groups/{id}"): ORG_ADMIN_WRITE,
    ("DELETE", "/api/Organizations/{organizationId}/user-groups/{id}"): ORG_ADMIN_WRITE,
    ("PUT", "/api/Organizations/{organizationId}/user-groups/{id}/members/{userId}"): (
        ORG_ADMIN_WRITE
    ),
    ("DELETE", "/api/Organizations/{organizationId}/user-groups/{id}/members/{userId}"): (
        ORG_ADMIN_WRITE
    ),
    # webhooks (SPEC §17): OrganizationAdmin
    ("GET", "/api/Organizations/{organizationId}/branding"): ORG_READ,
    ("PUT", "/api/Organizations/{organizationId}/branding"): ORG_ADMIN_WRITE,
    ("PATCH", "/api/Organizations/{organizationId}/branding"): ORG_ADMIN_WRITE,
    ("PUT", "/api/Organizations/{organizationId}/branding/logo"): ORG_ADMIN_WRITE,
    ("DELETE", "/api/Organizations/{organizationId}/branding/logo"): ORG_ADMIN_WRITE,
    ("GET", "/api/Organizations/{organizationId}/webhooks"): ORG_ADMIN_READ,
    ("POST", "/api/Organizations/{organizationId}/webhooks"): ORG_ADMIN_WRITE,
    ("GET", "/api/Organizations/{organizationId}/webhooks/{id}"): ORG_ADMIN_READ,
    ("PATCH", "/api/Organizations/{organizationId}/webhooks/{id}"): ORG_ADMIN_WRITE,
    ("DELETE", "/api/Organizations/{organizationId}/webhooks/{id}"): ORG_ADMIN_WRITE,
    ("GET", "/api/Organizations/{organizationId}/webhooks/{webhookId}/deliveries"): (
        ORG_ADMIN_READ
    ),
    ("GET", "/api/Organizations/{organizationId}/webhooks/{webhookId}/deliveries/{id}"): (
        ORG_ADMIN_READ
    ),
    (
        "POST",
        "/api/Organizations/{organizationId}/webhooks/{webhookId}/deliveries/{id}/redeliver",
    ): ORG_ADMIN_WRITE,
    # projects
    ("GET", "/api/Projects"): ANY_USER_READ,
    # ProjectManager+ of the active organization (other_admin creates in their own)
    ("POST", "/api/Projects"): "1 1 3 3 3 A A A A 3 3 3",
    ("GET", "/api/Projects/{id}"): ANY_READ,
    ("PUT", "/api/Projects/{id}"): PM_WRITE,
    ("PATCH", "/api/Projects/{id}"): PM_WRITE,
    ("DELETE", "/api/Projects/{id}"): ADMIN_WRITE,
    ("POST", "/api/Projects/{id}/activate"): PM_WRITE,
    ("POST", "/api/Projects/{id}/archive"): ADMIN_WRITE,
    ("POST", "/api/Projects/{id}/trash"): ADMIN_WRITE,
    ("POST", "/api/Projects/{id}/restore"): ADMIN_WRITE,
    # the elevated Viewer manages this project but only views the new parent: refused
    ("POST", "/api/Projects/{id}/assign"): "1 1 3 3 3 A A A 4 3 3 3",
    ("POST", "/api/Projects/{id}/unassign"): PM_WRITE,
    ("GET", "/api/Projects/{id}/stats"): ANY_READ,
    ("GET", "/api/Projects/{id}/subprojects"): ANY_READ,
    ("POST", "/api/Projects/{id}/subprojects"): PM_WRITE,
    ("PUT", "/api/Projects/{id}/thumbnail"): PM_WRITE,
    ("DELETE", "/api/Projects/{id}/thumbnail"): PM_WRITE,
    # channels and shares
    ("GET", "/api/Projects/{projectId}/distribution-channels"): CRED_READ,
    ("POST", "/api/Projects/{projectId}/distribution-channels/{channel}/publish"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/distribution-channels/{channel}/unpublish"): PM_WRITE,
    ("GET", "/api/Projects/{projectId}/public-video-shares"): CRED_READ,
    ("GET", "/api/Projects/{projectId}/public-video-shares/{channel}"): CRED_READ,
    ("PUT", "/api/Projects/{projectId}/public-video-shares/{channel}"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/public-video-shares/{channel}/disable"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/public-video-shares/{channel}/restore"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/public-video-shares/{channel}/rotate-slug"): PM_WRITE,
    # four-eyes PROD deploys (the request in the world was made by the system: anyone with
    # the right role may decide it)
    ("GET", "/api/Projects/{projectId}/deploy-requests"): ANY_READ,
    ("POST", "/api/Projects/{projectId}/deploy-requests"): PM_WRITE,
    ("GET", "/api/Projects/{projectId}/deploy-requests/{id}"): ANY_READ,
    ("POST", "/api/Projects/{projectId}/deploy-requests/{id}/approve"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/deploy-requests/{id}/reject"): PM_WRITE,
    # templates
    ("GET", "/api/Projects/{projectId}/templates"): ANY_READ,
    ("GET", "/api/Projects/{projectId}/templates/{id}"): ANY_READ,
    ("POST", "/api/Projects/{projectId}/templates/upload"): DEV_WRITE,
    ("POST", "/api/Projects/{projectId}/templates/{id}/archive"): DEV_WRITE,
    ("DELETE", "/api/Projects/{projectId}/templates/{id}"): PM_WRITE,
    # collaboration
    ("GET", "/api/Projects/{projectId}/all-users"): ANY_READ,
    ("GET", "/api/Projects/{projectId}/comments"): ANY_READ,
    ("POST", "/api/Projects/{projectId}/comments"): "1 1 3 A A A A A 4 A A 3",
    ("GET", "/api/Projects/{projectId}/comments/{id}"): ANY_READ,
    # the comment is the Viewer's: only its author edits it
    ("PATCH", "/api/Projects/{projectId}/comments/{id}"): "1 1 3 A 3 3 3 3 4 3 3 3",
    # …and its author or an OrganizationAdmin deletes it
    ("DELETE", "/api/Projects/{projectId}/comments/{id}"): "1 1 3 A 3 3 A A 4 3 3 3",
    ("POST", "/api/Projects/{projectId}/guests"): PM_WRITE,
    # the open guest invitations (their e-mails) are for those who manage guests
    ("GET", "/api/Projects/{projectId}/guests"): "1 1 A 3 3 A A A 4 A 3 3",
    ("POST", "/api/Projects/{projectId}/guests/{id}/revoke"): PM_WRITE,
    ("GET", "/api/Projects/{projectId}/history"): ANY_READ,
    ("GET", "/api/Projects/{projectId}/members"): ANY_READ,
    ("PUT", "/api/Projects/{projectId}/members/{userId}"): PM_WRITE,
    ("DELETE", "/api/Projects/{projectId}/members/{userId}"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/private"): PM_WRITE,
    ("POST", "/api/Projects/{projectId}/public"): PM_WRITE,
    ("GET", "/api/Projects/{projectId}/user-groups"): ANY_READ,
    ("PUT", "/api/Projects/{projectId}/user-groups/{id}"): PM_WRITE,
    ("DELETE", "/api/Projects/{projectId}/user-groups/{id}"): PM_WRITE,
    # credentials
    ("GET", "/api/credentials"): ANY_READ,
    ("POST", "/api/credentials"): PM_WRITE,
    ("GET", "/api/credentials/{id}"): ANY_READ,
    ("POST", "/api/credentials/{id}/revoke"): PM_WRITE,
}


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        # The embed manifest answers to an API key, not a role: tests/shares/test_embed.py.
        if method in methods and path.startswith("/api/")
    }


def test_the_matrix_lists_exactly_the_operations_of_the_schema():
    operations = schema_operations()
    assert sorted(operations - MATRIX.keys()) == [], "operations missing from the matrix"
    assert sorted(MATRIX.keys() - operations) == [], "operations no longer in the schema"
    for row in MATRIX.values():
        assert len(row.split()) == len(PRINCIPALS)


@dataclass
class World:
    clients: dict[str, APIClient]
    params: dict[str, str]
    bodies: dict[tuple[str, str], dict]
    query: dict[tuple[str, str], dict]


@pytest.fixture
def world(org, other_org, users, other_admin) -> World:
    system = Actor.system("tests")
    admin = users["OrganizationAdmin"]
    project = make_project(org, creator=member(org, Role.PROJECT_MANAGER), name="Cards Q2")
    project_activate(actor=system, project=project)
    parent = make_project(org, name="Parent campaign")
    template = make_template(project)
    channel_publish(actor=system, project=project, channel="DEV", template_id=template.pk)
    share_upsert(actor=system, project=project, channel="DEV", fields={"public_title": "Offer"})
    created = credential_create(actor=system, project=project, name="CRM")
    comment = make_comment(project, users["Viewer"])
    target = member(org, Role.DEVELOPER)
    project_grant_set(actor=system, project=project, role=Role.DEVELOPER, user=target)
    group = make_group(org, users=[target])
    project_group_link(actor=system, project=project, user_group=group, role=Role.VIEWER)
    guest_invitation = guest_invite(
        actor=system, project=project, email="invited.guest@partner.example"
    )
    invitation = invitation_create(
        actor=Actor.for_user(admin), organization=org, email="new.person@example.com", role="Viewer"
    ).invitation
    to_accept = invitation_create(
        actor=Actor.for_user(admin), organization=org, email="joining@example.com", role="Viewer"
    )
    admin_token = token_create(actor=Actor.for_user(admin), user=admin, name="ci", scope="write")
    elevated = member(org, Role.VIEWER)
    project_grant_set(actor=system, project=project, role=Role.PROJECT_MANAGER, user=elevated)
    guest = member(other_org, Role.VIEWER)
    project_grant_set(actor=system, project=project, role=Role.VIEWER, user=guest)

    webhook = webhook_create(
        actor=system, organization=org, url=WEBHOOK_URL, events=["share.disabled"]
    ).endpoint
    delivery = WebhookDelivery.objects.create(endpoint=webhook, event_type="x", body="{}")
    deploy = deploy_request_create(actor=system, project=project, template_id=template.pk)
    revoked = token_create(actor=Actor.for_user(admin), user=admin, name="old", scope="write")
    token_revoke(actor=Actor.for_user(admin), token=revoked.token)
    revoked_value = revoked.value

    def bearer(value: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client

    basic = base64.b64encode(f"{created.credential.api_key}:{created.secret}".encode()).decode()
    credential_client = APIClient()
    credential_client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    people = {**users, "other_admin": other_admin, "elevated": elevated, "guest": guest}
    clients = {name: bearer(token_for(user)) for name, user in people.items()}
    clients |= {
        "anon": APIClient(),
        "revoked": bearer(revoked_value),
        "read": bearer(token_for(admin, "read")),
        "credential": credential_client,
    }
    template_file = template.files.first()
    thumbnail = default_storage.save(f"projects{FOLDER}matrix.png", ContentFile(b"\x89PNG\r\n"))
    params = {
        "id": "",  # per path, below
        "organizationId": str(org.pk),
        "projectId": str(project.pk),
        "channel": "DEV",
        "token": file_token(template_file.pk),
        "thumbnail_token": thumbnail_url(thumbnail).rsplit("/", 1)[1],
        "userId": str(target.pk),
        "project": str(project.pk),
        "token_id": str(admin_token.token.pk),
        "organization": str(org.pk),
        "template": str(template.pk),
        "comment": str(comment.pk),
        "group": str(group.pk),
        "invitation": str(invitation.pk),
        "guest_invitation": str(guest_invitation.pk),
        "credential": str(created.credential.pk),
        "webhookId": str(webhook.pk),
        "delivery": str(delivery.pk),
        "deploy": str(deploy.pk),
    }
    bodies = {
        ("POST", "/api/tokens"): {"name": "laptop", "scope": "read"},
        ("POST", "/api/invitations/accept"): {
            "token": to_accept.link.rsplit("#", 1)[1],
            "password": "a long enough passphrase 42",
        },
        ("PUT", "/api/Organizations/{organizationId}/members/{userId}/role"): {
            "role": "ProjectManager"
        },
        ("POST", "/api/Organizations/{organizationId}/invitations"): {
            "email": "someone.else@example.com",
            "role": "Viewer",
        },
        ("POST", "/api/Organizations/{organizationId}/user-groups"): {"name": "Reviewers"},
        ("PATCH", "/api/Organizations/{organizationId}/user-groups/{id}"): {"name": "Design"},
        ("POST", "/api/Projects"): {"name": "New campaign"},
        ("PUT", "/api/Projects/{id}"): {"name": "Cards Q3"},
        ("PATCH", "/api/Projects/{id}"): {"name": "Cards Q3"},
        ("POST", "/api/Projects/{id}/assign"): {"parentId": str(parent.pk)},
        ("POST", "/api/Projects/{id}/subprojects"): {"name": "Child"},
        ("PUT", "/api/Projects/{id}/thumbnail"): {"templateId": str(template.pk)},
        ("POST", "/api/Projects/{projectId}/distribution-channels/{channel}/publish"): {
            "templateId": str(template.pk)
        },
        ("PUT", "/api/Projects/{projectId}/public-video-shares/{channel}"): {
            "publicTitle": "Offer for you"
        },
        ("POST", "/api/Projects/{projectId}/comments"): {"message": "Nice"},
        ("PATCH", "/api/Projects/{projectId}/comments/{id}"): {"message": "Nicer"},
        ("POST", "/api/Projects/{projectId}/guests"): {"email": "guest2@example.com"},
        ("PUT", "/api/Projects/{projectId}/members/{userId}"): {"role": "ProjectManager"},
        ("PUT", "/api/Projects/{projectId}/user-groups/{id}"): {"role": "Developer"},
        ("POST", "/api/credentials"): {"projectId": str(project.pk), "name": "ERP"},
        ("POST", "/api/Organizations/{organizationId}/webhooks"): {
            "url": WEBHOOK_URL,
            "events": ["project.archived"],
        },
        ("PATCH", "/api/Organizations/{organizationId}/webhooks/{id}"): {"description": "ERP"},
        ("PATCH", "/api/Organizations/{id}"): {"requireProdApproval": True},
        ("POST", "/api/Projects/{projectId}/deploy-requests"): {"templateId": str(template.pk)},
        ("POST", "/api/Projects/{projectId}/deploy-requests/{id}/reject"): {"reason": "Later"},
    }
    query = {
        ("GET", "/api/credentials"): {"projectId": str(project.pk)},
    }
    return World(clients=clients, params=params, bodies=bodies, query=query)


def id_for(path: str, params: dict[str, str]) -> str:
    """What ``{id}`` names in this path."""
    if path.startswith("/api/tokens/"):
        return params["token_id"]
    if path.startswith("/api/credentials/"):
        return params["credential"]
    if "/deploy-requests/" in path:
        return params["deploy"]
    if "/deliveries/" in path:
        return params["delivery"]
    if "/webhooks/" in path:
        return params["webhookId"]
    if "/guests/" in path:
        return params["guest_invitation"]
    if "/invitations/" in path:
        return params["invitation"]
    if "/user-groups/" in path:
        return params["group"]
    if "/comments/" in path:
        return params["comment"]
    if "/templates/" in path:
        return params["template"]
    if path.startswith("/api/Organizations/"):
        return params["organization"]
    return params["project"]


def url_for(path: str, params: dict[str, str]) -> str:
    values = {**params, "id": id_for(path, params)}
    if path.startswith("/api/thumbnails/"):
        values["token"] = params["thumbnail_token"]
    return path.format(**values)


def call(world: World, principal: str, method: str, path: str):
    client = world.clients[principal]
    url = url_for(path, world.params)
    if path.endswith("/templates/upload"):
        return client.post(url, upload_form(version="2.0"), format="multipart")
    if method == "GET":
        return client.get(url, world.query.get((method, path), {}))
    body = world.bodies.get((method, path), {})
    return getattr(client, method.lower())(url, body, format="json")


def refusal_code(principal: str, status: int) -> str | None:
    """The problem ``code`` a refusal must carry (SPEC §11)."""
    if status == 401:
        return "unauthenticated"
    if status == 404:
        return "not_found"
    if status == 403:
        return "insufficient_scope" if principal in {"read", "credential"} else "insufficient_role"
    return None


def outcome(status: int) -> str:
    return {401: "1", 403: "3", 404: "4"}.get(status, "A")


class _Rollback(Exception):
    pass


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_every_principal_gets_the_expected_status(method, path, world):
    expected = dict(zip(PRINCIPALS, MATRIX[method, path].split(), strict=True))
    actual, statuses = {}, {}
    for principal in PRINCIPALS:
        cache.clear()
        try:
            with transaction.atomic():
                response = call(world, principal, method, path)
                raise _Rollback
        except _Rollback:
            pass
        status = response.status_code
        assert status < 500, f"{principal}: {status}"
        if code := refusal_code(principal, status):
            assert response["Content-Type"].startswith("application/problem+json"), principal
            assert response.json()["code"] == code, (principal, response.json())
        statuses[principal] = status
        actual[principal] = outcome(status)
    wrong = {
        p: f"expected {expected[p]}, got {statuses[p]}"
        for p in PRINCIPALS
        if actual[p] != expected[p]
    }
    assert wrong == {}
