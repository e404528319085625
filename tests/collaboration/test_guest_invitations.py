"""Adding a guest is an invitation accepted through a single-use link (SPEC §16): the same
answer for a known and an unknown e-mail, a password chosen on accepting, the grant given on
acceptance — and the whole way over HTTP: invite → e-mail → accept → sign in → the project."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from backoffice.models import AuditEvent, Invitation, Membership, User
from backoffice.roles import Role
from backoffice.services import user_create
from projects.services import project_delete, project_grant_set
from tests.backoffice.factories import PASSWORD, member
from tests.collaboration.conftest import assert_problem
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/invitations/#(?P<token>[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def invite(project, pm_client, django_capture_on_commit_callbacks):
    """``invite(email, role=None)`` → (response, token from the e-mail sent, or None)."""

    def invite(email: str, role: str | None = None):
        body = {"email": email} | ({"role": role} if role else {})
        sent = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = pm_client.post(f"/api/Projects/{project.pk}/guests", body, format="json")
        if len(mail.outbox) == sent:
            return response, None
        return response, LINK.search(mail.outbox[-1].body)["token"]

    return invite


@pytest.fixture
def pm_client(users, client_for):
    return client_for(users["ProjectManager"])


def accept(token: str, **body):
    return BrowserClient().post(
        "/api/invitations/accept", {"token": token, **body}, content_type="application/json"
    )


def test_the_answer_is_the_same_for_a_known_and_an_unknown_email(invite, project, other_org):
    known = member(other_org, Role.ORGANIZATION_ADMIN, email="Partner@Agency.example")

    known_answer, known_token = invite("partner@agency.example")
    unknown_answer, unknown_token = invite("nobody.yet@agency.example")

    assert known_answer.status_code == unknown_answer.status_code == 202
    for answer, email in ((known_answer, "partner@agency.example"),
                          (unknown_answer, "nobody.yet@agency.example")):  # fmt: skip
        body = answer.json()
        assert set(body) == {"email", "role", "expiresAt"}
        assert (body["email"], body["role"]) == (email, "Viewer")
        assert str(known.pk) not in answer.content.decode()
    assert known_token
    assert unknown_token
    # Nobody has access before accepting.
    assert project.role_for(known) is None
    assert project.role_for(User.objects.get(email="nobody.yet@agency.example")) is None


def test_the_whole_way_for_an_unknown_person(invite, project, org, settings):
    response, token = invite("ines@agency.example", "Developer")
    assert response.status_code == 202, response.content
    [message] = mail.outbox
    assert message.to == ["ines@agency.example"]
    assert project.name in message.subject
    assert f"{settings.SITE_URL}/invitations/" in message.body
    user = User.objects.get(email="ines@agency.example")
    assert user.status == User.Status.PENDING

    browser = BrowserClient()
    page = browser.post("/invitations/", {"token": token, "step": "open"})
    assert page.status_code == 200
    assert f"Join the project {project.name}" in page.content.decode()
    accepted = accept(token, password=NEW_PASSWORD, displayName="Inés Rojas")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() == {
        "organizationId": str(org.pk),
        "organizationName": org.name,
        "organizationSlug": org.slug,
        "role": "Developer",
        "active": True,
        "projectId": str(project.pk),
        "projectName": project.name,
    }

    signed_in = browser.post(
        f"/login?next=/api/Projects/{project.pk}",
        {"username": "ines@agency.example", "password": NEW_PASSWORD},
    )
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    assert signed_in["Location"] == f"/api/Projects/{project.pk}"
    seen = browser.get(f"/api/Projects/{project.pk}", HTTP_ACCEPT="application/json")
    assert seen.status_code == 200, seen.content
    assert (seen.json()["id"], seen.json()["ownership"]) == (str(project.pk), "External")
    listed = browser.get("/api/Projects", HTTP_ACCEPT="application/json").json()["items"]
    assert [item["id"] for item in listed] == [str(project.pk)]

    user.refresh_from_db()
    assert (user.status, user.display_name) == (User.Status.ACTIVE, "Inés Rojas")
    assert project.role_for(user) == Role.DEVELOPER
    assert not Membership.objects.filter(user=user).exists()
    # The link works once.
    assert accept(token, password=NEW_PASSWORD).status_code == 404
    assert browser.post("/invitations/", {"token": token, "step": "open"}).status_code == 404
    events = AuditEvent.objects.filter(project_id=project.pk).values_list("event_type", flat=True)
    assert {"GUEST_INVITED", "INVITATION_ACCEPTED", "USER_LINKED"} <= set(events)


def test_the_page_accepts_a_guest_invitation(invite, project):
    _, token = invite("page@agency.example")
    browser = BrowserClient()

    response = browser.post(
        "/invitations/", {"token": token, "password": NEW_PASSWORD, "display_name": "Page"}
    )

    assert response.status_code == 200
    assert f"Welcome to {project.name}" in response.content.decode()
    assert project.role_for(User.objects.get(email="page@agency.example")) == Role.VIEWER


def test_a_known_person_gets_the_grant_only_on_accepting(invite, project, other_org):
    known = member(other_org, Role.VIEWER)
    _, token = invite(known.email, "Developer")
    assert project.role_for(known) is None

    response = accept(token)  # an active account keeps its password

    assert response.status_code == 200, response.content
    assert project.role_for(User.objects.get(pk=known.pk)) == Role.DEVELOPER
    known.refresh_from_db()
    assert known.check_password(PASSWORD)


def test_a_pending_guest_must_choose_a_password(invite, project):
    _, token = invite("late@agency.example")

    response = accept(token)

    assert set(assert_problem(response, 400)["errors"]) == {"password"}
    user = User.objects.get(email="late@agency.example")
    assert user.status == User.Status.PENDING
    assert project.role_for(user) is None
    assert Invitation.objects.get(user=user).accepted_at is None


def test_inviting_again_sends_a_fresh_link_and_the_old_one_dies(invite, project):
    first, old = invite("twice@agency.example")
    second, new = invite("TWICE@agency.example", "Developer")

    assert first.status_code == second.status_code == 202
    assert set(first.json()) == set(second.json())
    assert old != new
    [invitation] = Invitation.objects.filter(project_id=project.pk)
    assert (invitation.sent_count, invitation.role) == (2, "Developer")
    assert accept(old, password=NEW_PASSWORD).status_code == 404
    assert accept(new, password=NEW_PASSWORD).status_code == 200
    events = AuditEvent.objects.filter(project_id=project.pk).values_list("event_type", flat=True)
    assert {"GUEST_INVITED", "GUEST_INVITATION_RESENT"} <= set(events)


def test_a_guest_invitation_gives_at_most_developer(invite, project):
    response, token = invite("boss@agency.example", "ProjectManager")

    body = assert_problem(response, 400)
    assert "at most Developer" in body["errors"]["role"][0]
    assert token is None
    assert not User.objects.filter(email="boss@agency.example").exists()


def test_someone_with_access_is_told_so(invite, users):
    response, token = invite(users["Viewer"].email)

    assert set(assert_problem(response, 400)["errors"]) == {"email"}
    assert token is None


def test_a_deactivated_member_is_not_brought_back_as_a_guest(invite, org, users):
    from backoffice.services import member_deactivate

    left = member(org, Role.VIEWER)
    member_deactivate(
        actor=Actor.for_user(users["OrganizationAdmin"]), membership=left.memberships.get()
    )

    response, token = invite(left.email)

    assert "deactivated" in assert_problem(response, 400)["errors"]["email"][0]
    assert token is None
    left.refresh_from_db()
    assert left.status == User.Status.DEACTIVATED


def test_a_pending_guest_of_the_old_kind_can_be_invited_and_sign_in(invite, project, users):
    """Before invitations, an unknown guest got a Pending account and a grant, and could
    never sign in: inviting them again sends the link they lacked."""
    old = user_create(actor=Actor.system("tests"), email="old@agency.example", status="Pending")
    project_grant_set(actor=Actor.system("tests"), project=project, user=old, role=Role.VIEWER)

    response, token = invite("old@agency.example")
    assert response.status_code == 202
    assert accept(token, password=NEW_PASSWORD).status_code == 200

    browser = BrowserClient()
    assert browser.login(username="old@agency.example", password=NEW_PASSWORD)
    assert browser.get(f"/api/Projects/{project.pk}").status_code == 200


def test_a_higher_grant_stays_when_a_lower_invitation_is_accepted(invite, project, other_org):
    known = member(other_org, Role.VIEWER)
    _, token = invite(known.email, "Viewer")
    project_grant_set(actor=Actor.system("t"), project=project, user=known, role=Role.DEVELOPER)

    assert accept(token).status_code == 200
    assert project.role_for(User.objects.get(pk=known.pk)) == Role.DEVELOPER


def test_accepting_once_the_project_is_gone_changes_nothing(invite, project, users):
    _, token = invite("gone@agency.example")
    project_delete(actor=Actor.for_user(users["OrganizationAdmin"]), project=project)

    response = accept(token, password=NEW_PASSWORD)

    assert_problem(response, 404)
    invitation = Invitation.objects.get(user__email="gone@agency.example")
    assert invitation.accepted_at is None
    assert invitation.user.status == User.Status.PENDING


def test_organization_invitations_leave_guest_invitations_out(invite, org, users, client_for):
    invite("outside@agency.example")

    listed = client_for(users["OrganizationAdmin"]).get(f"/api/Organizations/{org.pk}/invitations")

    assert listed.status_code == 200
    assert "outside@agency.example" not in listed.content.decode()


def test_guests_cannot_invite(principals, client_for, project):
    response = client_for(principals["guest"]).post(
        f"/api/Projects/{project.pk}/guests", {"email": "friend@agency.example"}, format="json"
    )
    assert_problem(response, 403)
    assert not User.objects.filter(email="friend@agency.example").exists()


def test_managers_list_the_open_invitations_and_revoke_one(invite, project, pm_client, users):
    _, first = invite("first@agency.example", "Developer")
    _, second = invite("second@agency.example")
    assert accept(second, password=NEW_PASSWORD).status_code == 200
    url = f"/api/Projects/{project.pk}/guests"

    listed = pm_client.get(url)

    assert listed.status_code == 200, listed.content
    [row] = listed.json()  # the accepted one is a member now
    assert (row["email"], row["role"], row["sentCount"]) == ("first@agency.example", "Developer", 1)
    assert row["invitedBy"] == str(users["ProjectManager"].pk)
    revoked = pm_client.post(f"{url}/{row['id']}/revoke")
    assert revoked.status_code == 200, revoked.content
    assert pm_client.get(url).json() == []
    assert_problem(accept(first, password=NEW_PASSWORD), 404)
    assert_problem(pm_client.post(f"{url}/{row['id']}/revoke"), 404)  # no longer open
    assert AuditEvent.objects.filter(
        project_id=project.pk, event_type="INVITATION_REVOKED"
    ).exists()


def test_another_projects_invitation_is_not_found_here(invite, org, pm_client, users):
    invite("elsewhere@agency.example")
    other = make_project(org, name="Other")
    invitation = Invitation.objects.get(user__email="elsewhere@agency.example")

    response = pm_client.post(f"/api/Projects/{other.pk}/guests/{invitation.pk}/revoke")

    assert response.status_code in (403, 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_open_invitations_cost_the_same_queries_whatever_their_number(
    invite, project, pm_client
):
    url = f"/api/Projects/{project.pk}/guests"
    invite("a@agency.example")
    pm_client.get(url)
    with CaptureQueriesContext(connection) as one:
        pm_client.get(url)
    for n in range(5):
        invite(f"more{n}@agency.example")
    with CaptureQueriesContext(connection) as six:
        assert len(pm_client.get(url).json()) == 6
    assert len(six) == len(one)


# Signing in ---------------------------------------------------------------------------------


def test_any_active_user_signs_in_and_a_pending_one_does_not(users, project):
    browser = BrowserClient()
    page = browser.get("/login")
    assert page.status_code == 200

    assert (
        browser.post("/login", {"username": users["Viewer"].email, "password": PASSWORD})[
            "Location"
        ]
        == "/api/Projects"
    )
    pending = user_create(actor=Actor.system("t"), email="p@agency.example", status="Pending")
    refused = BrowserClient().post("/login", {"username": pending.email, "password": ""})
    assert refused.status_code == 200  # the form again, with its error


def test_sign_in_failures_are_throttled_with_the_admins(users, settings):
    settings.ADMIN_LOGIN_FAILURE_LIMIT = (2, 900)
    browser = BrowserClient()
    email = users["Viewer"].email

    for _ in range(2):
        assert browser.post("/login", {"username": email, "password": "wrong"}).status_code == 200
    refused = browser.post("/login", {"username": email, "password": PASSWORD})

    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert browser.post("/admin/login/", {"username": email, "password": "x"}).status_code == 429
