"""Invitations (SPEC §3): an e-mail with a single-use, expiring link whose token is never
stored in clear; resend, revoke, accept by the API or by the page."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.forms.models import model_to_dict
from django.test import Client as DjangoClient
from django.utils import timezone

from backoffice import secrets
from backoffice.actors import Actor
from backoffice.models import AuditEvent, Invitation, Membership, User
from backoffice.roles import Role
from backoffice.services import member_deactivate
from tests.backoffice.factories import PASSWORD, member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
LINK = re.compile(r"https?://\S+/invitations/#(?P<token>[A-Za-z0-9_-]+)")


@pytest.fixture
def admin(users):
    return users["OrganizationAdmin"]


@pytest.fixture
def admin_client(admin, client_for):
    return client_for(admin)


@pytest.fixture
def invite(org, admin_client, django_capture_on_commit_callbacks):
    """``invite(email, role)`` → (response, token from the e-mail or None)."""

    def invite(email="newcomer@example.com", role="Developer"):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                invitations_url(org), {"email": email, "role": role}, format="json"
            )
        return response, last_token()

    return invite


def invitations_url(org) -> str:
    return f"/api/Organizations/{org.id}/invitations"


def last_token() -> str | None:
    if not mail.outbox:
        return None
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match["token"]


def accept(client, token, **body):
    return client.post("/api/invitations/accept", {"token": token, **body}, format="json")


# Creation ------------------------------------------------------------------------------


def test_create_sends_one_email_with_a_link(org, invite):
    response, token = invite("newcomer@example.com", "Developer")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "newcomer@example.com"
    assert body["role"] == "Developer"
    assert body["status"] == "pending"
    assert body["sentCount"] == 1
    assert "token" not in body
    assert "link" not in body
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]
    assert org.name in mail.outbox[0].subject
    assert token is not None


def test_no_email_is_sent_when_the_transaction_does_not_commit(org, admin_client):
    admin_client.post(
        invitations_url(org), {"email": "a@example.com", "role": "Viewer"}, format="json"
    )
    assert mail.outbox == []


def test_the_link_token_is_stored_only_as_a_digest(invite):
    response, token = invite()
    row = Invitation.objects.get(pk=response.json()["id"])
    columns = model_to_dict(row, fields=[f.name for f in Invitation._meta.fields])
    assert all(token not in str(value) for value in columns.values())
    assert row.token_digest == secrets.digest(token)
    assert len(token) >= 43  # 256 bits, URL-safe


def test_expiry_is_seven_days(invite):
    response, _ = invite()
    row = Invitation.objects.get(pk=response.json()["id"])
    assert abs(row.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_a_new_person_becomes_a_pending_user(invite):
    invite("Fresh.Person@Example.com")
    user = User.objects.get(email__iexact="fresh.person@example.com")
    assert user.status == User.Status.PENDING
    assert not user.has_usable_password()


def test_create_is_audited(org, admin, invite):
    _response, _ = invite("newcomer@example.com", "ProjectManager")
    event = AuditEvent.objects.get(event_type="USER_INVITED")
    assert event.organization == org
    assert event.actor_user == admin
    assert event.actor_kind == "token"
    assert {t["type"] for t in event.targets} == {"user", "invitation"}
    assert event.changes == {"role": {"before": None, "after": "ProjectManager"}}


@pytest.mark.parametrize("email", ["viewer", "VIEWER-UPPER"])
def test_inviting_an_existing_member_is_409(email, users, invite):
    address = users["Viewer"].email
    response, token = invite(address.upper() if email == "VIEWER-UPPER" else address)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert list(response.json()["errors"]) == ["email"]
    assert token is None
    assert not Invitation.objects.exists()


def test_inviting_someone_already_invited_is_409(invite):
    invite("twice@example.com")
    response, _ = invite("twice@example.com")
    assert response.status_code == 409
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "not-an-email", "role": "Viewer"}, ["email"]),
        ({"email": "a@example.com", "role": "Owner"}, ["role"]),
        ({"email": "a@example.com"}, ["role"]),
        ({}, ["email", "role"]),
        ({"email": "x" * 250 + "@example.com", "role": "Viewer"}, ["email"]),
    ],
)
def test_create_refuses_bad_input(body, fields, org, admin_client):
    response = admin_client.post(invitations_url(org), body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_request"
    assert sorted(response.json()["errors"]) == fields


def test_list_shows_the_organizations_invitations(org, other_org, admin, admin_client, invite):
    invite("one@example.com")
    invite("two@example.com")
    listed = admin_client.get(invitations_url(org)).json()
    assert listed["total"] == 2
    assert {item["email"] for item in listed["items"]} == {"one@example.com", "two@example.com"}
    assert listed["items"][0]["invitedBy"] == str(admin.pk)
    assert listed["items"][0]["invitedByName"] == admin.display_name


# Resend and revoke ---------------------------------------------------------------------


def test_resend_gives_a_fresh_token_and_expiry_on_the_same_row(
    org, admin_client, invite, anon, django_capture_on_commit_callbacks
):
    response, old_token = invite()
    invitation_id = response.json()["id"]
    Invitation.objects.filter(pk=invitation_id).update(
        expires_at=timezone.now() + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent = admin_client.post(f"{invitations_url(org)}/{invitation_id}/resend")
    assert resent.status_code == 200
    assert resent.json()["id"] == invitation_id
    assert resent.json()["sentCount"] == 2
    new_token = last_token()
    assert len(mail.outbox) == 2
    assert new_token != old_token
    assert Invitation.objects.count() == 1
    row = Invitation.objects.get()
    assert row.expires_at > timezone.now() + timedelta(days=6)
    assert row.token_digest == secrets.digest(new_token)

    stale = accept(anon, old_token, password=NEW_PASSWORD)
    assert stale.status_code == 404
    assert accept(anon, new_token, password=NEW_PASSWORD).status_code == 200


def test_resend_revives_an_expired_invitation(org, admin_client, invite, anon):
    response, _ = invite()
    invitation_id = response.json()["id"]
    Invitation.objects.filter(pk=invitation_id).update(expires_at=timezone.now())
    assert admin_client.get(invitations_url(org)).json()["items"][0]["status"] == "expired"
    resent = admin_client.post(f"{invitations_url(org)}/{invitation_id}/resend")
    assert resent.status_code == 200
    assert resent.json()["status"] == "pending"


def test_revoke_stops_the_link(org, admin_client, invite, anon):
    response, token = invite()
    invitation_id = response.json()["id"]
    revoked = admin_client.post(f"{invitations_url(org)}/{invitation_id}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert accept(anon, token, password=NEW_PASSWORD).status_code == 404
    assert open_page(DjangoClient(), token).status_code == 404
    for verb in ("revoke", "resend"):
        again = admin_client.post(f"{invitations_url(org)}/{invitation_id}/{verb}")
        assert again.status_code == 409
        assert again.json()["code"] == "conflict"


def test_a_revoked_invitation_can_be_replaced(invite):
    response, _ = invite("again@example.com")
    Invitation.objects.filter(pk=response.json()["id"]).update(revoked_at=timezone.now())
    second, _token = invite("again@example.com")
    assert second.status_code == 201
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize("verb", ["resend", "revoke"])
def test_resend_and_revoke_of_an_accepted_invitation_are_409(verb, org, admin_client, invite, anon):
    response, token = invite()
    accept(anon, token, password=NEW_PASSWORD)
    again = admin_client.post(f"{invitations_url(org)}/{response.json()['id']}/{verb}")
    assert again.status_code == 409


def test_unknown_invitation_id_is_404(org, admin_client):
    for invitation_id in ("7d7c4a56-8f0e-4a3c-9a89-111111111111", "not-a-uuid"):
        response = admin_client.post(f"{invitations_url(org)}/{invitation_id}/resend")
        assert response.status_code == 404


# Accepting by the API ------------------------------------------------------------------


def test_a_new_user_accepts_sets_a_password_and_becomes_active(org, invite, anon):
    _, token = invite("newcomer@example.com", "ProjectManager")
    response = accept(anon, token, password=NEW_PASSWORD, displayName="  Ana Pérez ")
    assert response.status_code == 200
    assert response.json()["organizationId"] == str(org.id)
    assert response.json()["role"] == "ProjectManager"
    user = User.objects.get(email="newcomer@example.com")
    assert user.status == User.Status.ACTIVE
    assert user.display_name == "Ana Pérez"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user, organization=org)
    assert membership.role == Role.PROJECT_MANAGER
    assert membership.is_active
    invitation = Invitation.objects.get()
    assert invitation.status == "accepted"
    assert AuditEvent.objects.filter(event_type="INVITATION_ACCEPTED", actor_user=user).exists()


def test_the_link_works_only_once(invite, anon):
    _, token = invite()
    assert accept(anon, token, password=NEW_PASSWORD).status_code == 200
    again = accept(anon, token, password="another-long-passphrase-43")
    assert again.status_code == 404
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "not_found"
    assert User.objects.get(email="newcomer@example.com").check_password(NEW_PASSWORD)


def test_an_expired_link_is_404(invite, anon):
    _, token = invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = accept(anon, token, password=NEW_PASSWORD)
    assert response.status_code == 404
    assert User.objects.get(email="newcomer@example.com").status == User.Status.PENDING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "password"),
        ({"password": ""}, "password"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"password": NEW_PASSWORD, "displayName": "x" * 151}, "displayName"),
    ],
)
def test_accept_refuses_bad_input(body, field, invite, anon):
    _, token = invite()
    response = accept(anon, token, **body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]
    assert User.objects.get(email="newcomer@example.com").status == User.Status.PENDING
    # The link still works after a refused attempt.
    assert accept(anon, token, password=NEW_PASSWORD).status_code == 200


def test_accept_without_a_token_is_400(anon, db):
    response = anon.post("/api/invitations/accept", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["token"]


def test_an_existing_user_of_another_organization_joins(org, other_org, other_admin, invite, anon):
    _, token = invite(other_admin.email, "Developer")
    response = accept(anon, token)
    assert response.status_code == 200
    roles = dict(Membership.objects.filter(user=other_admin).values_list("organization_id", "role"))
    assert roles == {other_org.id: Role.ORGANIZATION_ADMIN, org.id: Role.DEVELOPER}
    other_admin.refresh_from_db()
    assert other_admin.check_password(PASSWORD)  # an existing password is not replaced


def test_a_deactivated_member_can_be_invited_back(org, users, invite, anon, client_for):
    """Losing one's last organization deactivates the account; being invited back and
    accepting must bring it back, or the e-mailed link would be a dead end."""
    target = users["Viewer"]
    member_deactivate(actor=Actor.system(), membership=Membership.objects.get(user=target))
    target.refresh_from_db()
    assert target.status == User.Status.DEACTIVATED
    response, token = invite(target.email, "Developer")
    assert response.status_code == 201
    accepted = accept(anon, token)
    assert accepted.status_code == 200
    target.refresh_from_db()
    assert target.status == User.Status.ACTIVE
    membership = Membership.objects.get(user=target, organization=org)
    assert membership.is_active
    assert membership.role == Role.DEVELOPER
    assert client_for(target).get(f"/api/Organizations/{org.id}/members").status_code == 200


def test_a_suspended_user_cannot_accept(org, other_admin, invite, anon):
    _, token = invite(other_admin.email)
    User.objects.filter(pk=other_admin.pk).update(status=User.Status.SUSPENDED)
    response = accept(anon, token)
    assert response.status_code == 409
    assert not Membership.objects.filter(user=other_admin, organization=org).exists()


def test_accepting_cannot_demote_an_active_member(org, users, invite, anon, client_for):
    """An invitation sent while someone was deactivated must not overwrite the role they
    were given since (it could take away the organization's last admin)."""
    admin = users["OrganizationAdmin"]
    second_admin = member(org, Role.ORGANIZATION_ADMIN)
    member_deactivate(actor=Actor.system(), membership=Membership.objects.get(user=second_admin))
    _, token = invite(second_admin.email, "Viewer")
    client_for(admin).post(f"/api/Organizations/{org.id}/members/{second_admin.id}/reactivate")
    client_for(second_admin).put(
        f"/api/Organizations/{org.id}/members/{admin.id}/role", {"role": "Viewer"}, format="json"
    )
    response = accept(anon, token)
    assert response.status_code == 409
    assert Membership.objects.get(user=second_admin).role == Role.ORGANIZATION_ADMIN


# Accepting by the page -----------------------------------------------------------------


def open_page(client, token: str):
    """What the page's script does with the link's fragment: post it back."""
    return client.post("/invitations/", {"token": token, "step": "open"})


def test_the_link_carries_the_token_in_the_fragment_only(invite, settings):
    """Issue 17: the token was in the path, so in every access log."""
    _, token = invite()
    [message] = mail.outbox
    assert f"{settings.SITE_URL}/invitations/#{token}" in message.body
    assert f"/invitations/{token}" not in message.body


def test_the_link_s_page_posts_the_fragment(db):
    response = DjangoClient().get("/invitations/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'src="/static/backoffice/invitation.js"' in body
    assert 'name="step" value="open"' in body
    assert 'name="token"' in body  # pasted by hand without scripts
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_an_old_link_redirects_to_the_fragment_without_a_lookup_or_a_log(invite, caplog):
    _, token = invite()
    for value in (token, "not-a-real-token"):
        caplog.clear()
        response = DjangoClient().get(f"/invitations/{value}")
        assert response.status_code == 303
        assert response["Location"] == f"/invitations/#{value}"
        assert value not in " ".join(record.getMessage() for record in caplog.records)


def test_the_accept_form_posts_the_token_in_its_body(invite):
    _, token = invite()
    page = open_page(DjangoClient(), token).content.decode()
    assert 'action="/invitations/"' in page
    assert f'name="token" value="{token}"' in page


def test_accepting_through_the_new_page(org, invite):
    _, token = invite()
    client = DjangoClient()
    response = client.post(
        "/invitations/", {"token": token, "password": NEW_PASSWORD, "display_name": "Ana"}
    )
    assert response.status_code == 200
    assert User.objects.get(email="newcomer@example.com").status == User.Status.ACTIVE
    assert open_page(client, token).status_code == 404


def test_the_page_shows_the_invitation(org, invite):
    _, token = invite()
    response = open_page(DjangoClient(), token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert org.name in response.content.decode()
    assert 'name="password"' in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_the_page_accepts_for_a_new_user(org, invite):
    _, token = invite()
    client = DjangoClient()
    response = client.post(
        "/invitations/", {"token": token, "password": NEW_PASSWORD, "display_name": "Ana"}
    )
    assert response.status_code == 200
    user = User.objects.get(email="newcomer@example.com")
    assert user.status == User.Status.ACTIVE
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(user=user, organization=org).exists()
    assert open_page(client, token).status_code == 404


def test_the_old_link_form_accepts_nothing_posted_to_it(invite):
    _, token = invite()
    response = DjangoClient().post(
        f"/invitations/{token}", {"password": NEW_PASSWORD, "display_name": "Ana"}
    )
    assert response.status_code == 303
    assert response["Location"] == f"/invitations/#{token}"
    assert User.objects.get(email="newcomer@example.com").status == User.Status.PENDING


def test_the_page_refuses_a_weak_password(invite):
    _, token = invite()
    response = DjangoClient().post("/invitations/", {"token": token, "password": "123"})
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    assert User.objects.get(email="newcomer@example.com").status == User.Status.PENDING


def test_the_page_needs_a_csrf_token(invite):
    _, token = invite()
    response = DjangoClient(enforce_csrf_checks=True).post(
        "/invitations/", {"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert User.objects.get(email="newcomer@example.com").status == User.Status.PENDING


@pytest.mark.parametrize("token", ["unknown", "a" * 43])
def test_the_page_of_an_unknown_link_is_a_plain_404(token, db):
    response = open_page(DjangoClient(), token)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_page_of_an_expired_link_is_404(invite):
    _, token = invite()
    Invitation.objects.update(expires_at=timezone.now())
    assert open_page(DjangoClient(), token).status_code == 404
