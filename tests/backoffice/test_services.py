"""The core services, called directly: the rules hold whoever calls them (API, admin,
management commands), and each change leaves its audit event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice import secrets
from backoffice.actors import Actor
from backoffice.errors import Conflict, InvalidRequest, NotFound
from backoffice.models import ApiToken, AuditEvent, Invitation, Membership, User
from backoffice.permissions import org_role
from backoffice.roles import Role
from backoffice.services import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    member_deactivate,
    member_reactivate,
    membership_set_role,
    organization_create,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from tests.backoffice.factories import UserFactory, member

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()
PASSWORD = "a-long-and-unusual-passphrase-42"


def link_token(link: str) -> str:
    return link.rsplit("#", 1)[-1]


# Organizations and users -----------------------------------------------------------------


def test_organization_create_makes_a_free_slug_and_audits():
    first = organization_create(actor=SYSTEM, name="Banco Sur")
    second = organization_create(actor=SYSTEM, name="Banco Sur")
    assert (first.slug, second.slug) == ("banco-sur", "banco-sur-2")
    assert AuditEvent.objects.filter(event_type="ORGANIZATION_CREATED").count() == 2


def test_organization_create_refuses_a_taken_slug_and_a_blank_name():
    organization_create(actor=SYSTEM, name="A", slug="taken")
    with pytest.raises(Conflict):
        organization_create(actor=SYSTEM, name="B", slug="taken")
    with pytest.raises(InvalidRequest) as error:
        organization_create(actor=SYSTEM, name="   ")
    assert list(error.value.errors) == ["name"]


def test_user_create_refuses_an_email_in_another_case():
    user_create(actor=SYSTEM, email="Ana@Example.com", password=PASSWORD)
    with pytest.raises(Conflict):
        user_create(actor=SYSTEM, email="ana@EXAMPLE.com")
    assert User.objects.count() == 1


# Memberships and roles -------------------------------------------------------------------


def test_set_role_links_a_new_member(org):
    user = UserFactory()
    membership_set_role(actor=SYSTEM, organization=org, user=user, role=Role.DEVELOPER)
    assert org_role(user, org) == Role.DEVELOPER
    event = AuditEvent.objects.get(event_type="USER_LINKED")
    assert event.changes == {"role": {"before": None, "after": "Developer"}}


def test_set_role_to_the_same_role_records_nothing(org, users):
    membership_set_role(actor=SYSTEM, organization=org, user=users["Viewer"], role="Viewer")
    assert not AuditEvent.objects.filter(event_type="ROLE_CHANGED").exists()


def test_set_role_forgets_the_cached_role(org, users):
    user = users["Viewer"]
    assert org_role(user, org) == Role.VIEWER
    membership_set_role(actor=SYSTEM, organization=org, user=user, role="ProjectManager")
    assert org_role(user, org) == Role.PROJECT_MANAGER


def test_the_last_admin_cannot_be_demoted_or_deactivated(org, users):
    admin = users["OrganizationAdmin"]
    with pytest.raises(Conflict):
        membership_set_role(actor=SYSTEM, organization=org, user=admin, role=Role.VIEWER)
    with pytest.raises(Conflict):
        member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=admin))
    assert org_role(admin, org) == Role.ORGANIZATION_ADMIN


def test_a_deactivated_admin_does_not_count(org, users):
    admin = users["OrganizationAdmin"]
    second = member(org, Role.ORGANIZATION_ADMIN)
    member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=second))
    with pytest.raises(Conflict):
        membership_set_role(actor=SYSTEM, organization=org, user=admin, role=Role.VIEWER)


def test_deactivating_the_last_membership_deactivates_the_user(org, users):
    user = users["Viewer"]
    member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=user))
    user.refresh_from_db()
    assert user.status == User.Status.DEACTIVATED
    member_reactivate(actor=SYSTEM, membership=Membership.objects.get(user=user))
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE


def test_a_suspended_user_stays_suspended_through_reactivation(org, users):
    user = users["Viewer"]
    member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=user))
    User.objects.filter(pk=user.pk).update(status=User.Status.SUSPENDED)
    member_reactivate(actor=SYSTEM, membership=Membership.objects.get(user=user))
    user.refresh_from_db()
    assert user.status == User.Status.SUSPENDED


def test_deactivating_one_of_two_memberships_keeps_the_user_active(org, other_org, users):
    user = users["Viewer"]
    membership_set_role(actor=SYSTEM, organization=other_org, user=user, role=Role.VIEWER)
    member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=user, organization=org))
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    assert org_role(user, org) is None
    assert org_role(user, other_org) == Role.VIEWER


def test_the_owner_acts_as_admin_everywhere_and_is_never_deactivated(org, users):
    owner = users["Owner"]
    assert org_role(owner, org) == Role.ORGANIZATION_ADMIN
    membership_set_role(actor=SYSTEM, organization=org, user=owner, role=Role.VIEWER)
    member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=owner))
    owner.refresh_from_db()
    assert owner.status == User.Status.ACTIVE
    assert org_role(owner, org) == Role.ORGANIZATION_ADMIN


# Tokens --------------------------------------------------------------------------------


def test_token_authenticate_finds_only_usable_tokens(users):
    user = users["Viewer"]
    created = token_create(actor=SYSTEM, user=user, name="t")
    assert token_authenticate(created.value) == created.token
    assert token_authenticate(created.value + "x") is None
    assert token_authenticate("") is None
    token_revoke(actor=SYSTEM, token=created.token)
    assert token_authenticate(created.value) is None


def test_token_create_refuses_a_past_expiry(users):
    with pytest.raises(InvalidRequest) as error:
        token_create(
            actor=SYSTEM,
            user=users["Viewer"],
            name="t",
            expires_at=timezone.now() - timedelta(minutes=1),
        )
    assert list(error.value.errors) == ["expiresAt"]
    assert not ApiToken.objects.exists()


def test_token_revoke_twice_is_a_conflict(users):
    created = token_create(actor=SYSTEM, user=users["Viewer"], name="t")
    token_revoke(actor=SYSTEM, token=created.token)
    with pytest.raises(Conflict):
        token_revoke(actor=SYSTEM, token=created.token)
    assert AuditEvent.objects.filter(event_type="TOKEN_REVOKED").count() == 1


def test_token_str_shows_only_the_prefix(users):
    created = token_create(actor=SYSTEM, user=users["Viewer"], name="deploy")
    assert str(created.token) == f"deploy ({created.token.prefix}…)"
    assert created.value not in str(created.token)


# Invitations ---------------------------------------------------------------------------


def test_an_unknown_link_is_not_found(db):
    with pytest.raises(NotFound):
        invitation_for_token(secrets.url_token())


def test_a_pending_user_invited_twice_is_one_user(org, other_org):
    first = invitation_create(actor=SYSTEM, organization=org, email="p@example.com", role="Viewer")
    second = invitation_create(
        actor=SYSTEM, organization=other_org, email="P@example.com", role="Developer"
    )
    assert first.invitation.user == second.invitation.user
    assert User.objects.filter(email__iexact="p@example.com").count() == 1
    invitation_accept(token=link_token(first.link), password=PASSWORD)
    # Active now: the second invitation needs no password.
    membership = invitation_accept(token=link_token(second.link))
    assert membership.role == Role.DEVELOPER
    user = User.objects.get(email__iexact="p@example.com")
    assert user.status == User.Status.ACTIVE
    assert user.check_password(PASSWORD)


def test_invitation_accept_is_single_use(org):
    sent = invitation_create(actor=SYSTEM, organization=org, email="p@example.com", role="Viewer")
    invitation_accept(token=link_token(sent.link), password=PASSWORD)
    with pytest.raises(NotFound):
        invitation_accept(token=link_token(sent.link), password=PASSWORD)
    assert Invitation.objects.get().accepted_at is not None


def test_accepting_reactivates_a_deactivated_membership_with_the_invited_role(org, users):
    user = users["Developer"]
    member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=user))
    sent = invitation_create(actor=SYSTEM, organization=org, email=user.email, role="Viewer")
    membership = invitation_accept(token=link_token(sent.link))
    assert membership.is_active
    assert membership.role == Role.VIEWER
    assert Membership.objects.filter(user=user).count() == 1
    event = AuditEvent.objects.get(event_type="INVITATION_ACCEPTED")
    assert event.changes["status"] == {"before": "Deactivated", "after": "Active"}


def test_audit_events_are_never_edited(users):
    token_create(actor=SYSTEM, user=users["Viewer"], name="t")
    event = AuditEvent.objects.get(event_type="TOKEN_CREATED")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()


def test_organization_update_records_only_changed_fields(org):
    from backoffice.services import organization_update

    organization_update(
        actor=Actor.system("tests"),
        organization=org,
        name="Banco Andino S.A.",
        default_locale="es-CL",
    )
    event = AuditEvent.objects.get(event_type="ORGANIZATION_UPDATED")
    assert event.changes == {"name": {"before": "Banco Andino", "after": "Banco Andino S.A."}}


def test_user_update_profile_refuses_an_email_taken_in_another_case(users):
    from backoffice.errors import Conflict
    from backoffice.services import user_update_profile

    with pytest.raises(Conflict):
        user_update_profile(
            actor=Actor.system("tests"),
            user=users["Viewer"],
            email=users["Developer"].email.upper(),
        )
