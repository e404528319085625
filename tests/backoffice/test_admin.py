"""The staff admin of the core: every page renders, secrets stay hidden, and changes with a
rule behind them go through the services (same rules, same audit events as the API)."""

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import ApiToken, AuditEvent, Membership, Organization, User
from backoffice.roles import Role
from backoffice.services import invitation_create, token_create, token_revoke
from tests.backoffice.factories import PASSWORD, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_superuser=True, is_staff=True, email="staff@percus.example")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def token(users) -> ApiToken:
    user = users["Developer"]
    return token_create(actor=Actor.for_user(user), user=user, name="laptop").token


@pytest.fixture
def invitation(org, users):
    admin = users["OrganizationAdmin"]
    return invitation_create(
        actor=Actor.for_user(admin), organization=org, email="guest@example.com", role="Viewer"
    ).invitation


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:backoffice_{model}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# The organization page has two membership inlines: existing members ("memberships", only
# the role is editable) and new ones ("memberships-2").
EXISTING, NEW = "memberships", "memberships-2"


def organization_form(
    org: Organization,
    rows: list[tuple[Membership, str]],
    new: list[tuple[User, str]] = (),
    **fields,
) -> dict:
    """The POST data of the organization change form with these members' roles."""
    data = {"name": org.name, "default_locale": org.default_locale, **fields}
    data |= management(EXISTING, len(rows), len(rows)) | management(NEW, len(new))
    for index, (membership, role) in enumerate(rows):
        data[f"{EXISTING}-{index}-id"] = str(membership.pk)
        data[f"{EXISTING}-{index}-organization"] = str(org.pk)
        data[f"{EXISTING}-{index}-role"] = role
    for index, (user, role) in enumerate(new):
        data[f"{NEW}-{index}-user"] = str(user.pk)
        data[f"{NEW}-{index}-role"] = role
    return data


def roles_with(org: Organization, changes: dict[User, str]) -> list[tuple[Membership, str]]:
    """Every member's row, with the role changed for the users in ``changes``."""
    return [
        (membership, changes.get(membership.user, membership.role))
        for membership in org.memberships.select_related("user")
    ]


# Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["organization", "user", "apitoken", "invitation", "auditevent"])
def test_changelist_renders(staff_client, users, token, invitation, model):
    response = staff_client.get(url(model, "changelist"))

    assert response.status_code == 200


def test_change_pages_render(staff_client, org, users, token, invitation):
    event = AuditEvent.objects.filter(event_type="TOKEN_CREATED").first()
    pages = [
        url("organization", "change", org.pk),
        url("user", "change", users["Viewer"].pk),
        url("apitoken", "change", token.pk),
        url("invitation", "change", invitation.pk),
        url("auditevent", "change", event.pk),
    ]

    for page in pages:
        assert staff_client.get(page).status_code == 200, page


def test_add_pages_render_for_organizations_and_users(staff_client):
    assert staff_client.get(url("organization", "add")).status_code == 200
    assert staff_client.get(url("user", "add")).status_code == 200


@pytest.mark.parametrize("model", ["apitoken", "invitation", "auditevent"])
def test_read_only_models_have_no_add_page(staff_client, model):
    assert staff_client.get(url(model, "add")).status_code == 403


def test_audit_events_cannot_be_changed_or_deleted(staff_client, token):
    event = AuditEvent.objects.get(event_type="TOKEN_CREATED")

    response = staff_client.post(url("auditevent", "change", event.pk), {"event_type": "X"})

    assert response.status_code == 403
    assert staff_client.get(url("auditevent", "delete", event.pk)).status_code == 403
    event.refresh_from_db()
    assert event.event_type == "TOKEN_CREATED"


def test_organization_changelist_counts_active_members(staff_client, org, users):
    response = staff_client.get(url("organization", "changelist"))

    assert response.context["cl"].result_list.get(pk=org.pk).member_count == len(Role)


def test_user_changelist_searches_by_email(staff_client, users):
    response = staff_client.get(url("user", "changelist"), {"q": users["Viewer"].email})

    assert list(response.context["cl"].result_list) == [users["Viewer"]]


def test_non_staff_is_redirected_to_login(client, users):
    client.force_login(users["OrganizationAdmin"])

    response = client.get(url("organization", "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# API tokens ------------------------------------------------------------------------------


def test_token_pages_never_show_the_digest(staff_client, token):
    changelist = staff_client.get(url("apitoken", "changelist"))
    change = staff_client.get(url("apitoken", "change", token.pk))

    assert token.prefix in changelist.content.decode()
    assert token.digest not in changelist.content.decode()
    assert token.digest not in change.content.decode()


def test_revoke_action_revokes_through_the_service(staff_client, staff, token):
    response = staff_client.post(
        url("apitoken", "changelist"),
        {"action": "revoke", "_selected_action": [str(token.pk)], "post": "yes"},
        follow=True,
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == staff
    event = AuditEvent.objects.get(event_type="TOKEN_REVOKED")
    assert event.actor_user == staff
    assert "Revoked 1 token." in messages_of(response)


def test_revoke_action_skips_revoked_tokens(staff_client, users, token):
    revoked = token_create(actor=Actor.system(), user=users["Viewer"], name="old").token
    token_revoke(actor=Actor.system(), token=revoked)

    response = staff_client.post(
        url("apitoken", "changelist"),
        {"action": "revoke", "_selected_action": [str(token.pk), str(revoked.pk)], "post": "yes"},
        follow=True,
    )

    assert sorted(messages_of(response)) == [
        "Revoked 1 token.",
        f"{revoked}: This token is already revoked.",
    ]
    assert AuditEvent.objects.filter(event_type="TOKEN_REVOKED").count() == 2


# Organizations and their members ---------------------------------------------------------


def test_adding_an_organization_goes_through_the_service(staff_client, staff):
    data = {"name": "Seguros Sur", "slug": "seguros-sur", "default_locale": "es-CL"}
    data |= management(EXISTING, 0) | management(NEW, 1)
    data |= {f"{NEW}-0-user": str(staff.pk), f"{NEW}-0-role": Role.ORGANIZATION_ADMIN}

    response = staff_client.post(url("organization", "add"), data)

    assert response.status_code == 302
    organization = Organization.objects.get(slug="seguros-sur")
    event = AuditEvent.objects.get(event_type="ORGANIZATION_CREATED")
    assert (event.organization, event.actor_user) == (organization, staff)
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role) == (staff, Role.ORGANIZATION_ADMIN)


def test_inline_role_change_goes_through_the_service(staff_client, org, users):
    rows = roles_with(org, {users["Viewer"]: Role.DEVELOPER})

    response = staff_client.post(
        url("organization", "change", org.pk), organization_form(org, rows)
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=users["Viewer"]).role == Role.DEVELOPER
    event = AuditEvent.objects.get(event_type="ROLE_CHANGED")
    assert event.changes == {"role": {"before": "Viewer", "after": "Developer"}}


def test_inline_addition_goes_through_the_service(staff_client, org, users):
    newcomer = UserFactory()
    data = organization_form(org, roles_with(org, {}), new=[(newcomer, Role.PROJECT_MANAGER)])

    response = staff_client.post(url("organization", "change", org.pk), data)

    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer, organization=org).role == Role.PROJECT_MANAGER
    assert AuditEvent.objects.filter(event_type="USER_LINKED").exists()


def test_demoting_the_last_admin_in_the_inline_is_refused(staff_client, org, users):
    admin = users["OrganizationAdmin"]
    data = organization_form(org, roles_with(org, {admin: Role.VIEWER}))

    response = staff_client.post(url("organization", "change", org.pk), data, follow=True)

    assert response.status_code == 200
    [message] = messages_of(response)
    assert "at least one active OrganizationAdmin" in message
    assert Membership.objects.get(user=admin).role == Role.ORGANIZATION_ADMIN
    assert not AuditEvent.objects.filter(event_type="ROLE_CHANGED").exists()


def test_a_refused_row_rolls_back_the_whole_save(staff_client, org, users):
    changes = {users["OrganizationAdmin"]: Role.VIEWER, users["Viewer"]: Role.DEVELOPER}
    data = organization_form(org, roles_with(org, changes), name="Renamed")

    staff_client.post(url("organization", "change", org.pk), data)

    org.refresh_from_db()
    assert org.name == "Banco Andino"
    assert Membership.objects.get(user=users["Viewer"]).role == Role.VIEWER


def test_handing_the_admin_role_over_in_one_save_works(staff_client, org, users):
    admin, manager = users["OrganizationAdmin"], users["ProjectManager"]
    changes = {admin: Role.PROJECT_MANAGER, manager: Role.ORGANIZATION_ADMIN}

    response = staff_client.post(
        url("organization", "change", org.pk), organization_form(org, roles_with(org, changes))
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=admin).role == Role.PROJECT_MANAGER
    assert Membership.objects.get(user=manager).role == Role.ORGANIZATION_ADMIN


def test_handing_the_admin_role_to_a_new_member_in_one_save_works(staff_client, org, users):
    admin, newcomer = users["OrganizationAdmin"], UserFactory()
    data = organization_form(
        org,
        roles_with(org, {admin: Role.VIEWER}),
        new=[(newcomer, Role.ORGANIZATION_ADMIN)],
    )

    response = staff_client.post(url("organization", "change", org.pk), data)

    assert response.status_code == 302
    assert Membership.objects.get(user=admin).role == Role.VIEWER
    assert Membership.objects.get(user=newcomer).role == Role.ORGANIZATION_ADMIN


def test_organization_page_queries_do_not_grow_with_members(
    staff_client, org, users, django_assert_max_num_queries
):
    staff_client.get(url("organization", "change", org.pk))  # warm caches (content types…)
    for _ in range(20):
        member(org)

    with django_assert_max_num_queries(15):
        staff_client.get(url("organization", "change", org.pk))


# Users -----------------------------------------------------------------------------------


def test_adding_a_user_goes_through_the_service(staff_client, staff):
    response = staff_client.post(
        url("user", "add"),
        {
            "email": "New.Person@Example.com",
            "display_name": "New Person",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email__iexact="new.person@example.com")
    assert user.check_password(PASSWORD)
    assert user.status == User.Status.ACTIVE
    assert AuditEvent.objects.get(event_type="USER_CREATED").actor_user == staff


def test_adding_a_user_refuses_an_email_in_another_case(staff_client, users):
    response = staff_client.post(
        url("user", "add"),
        {
            "email": users["Viewer"].email.upper(),
            "usable_password": "false",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact=users["Viewer"].email).count() == 1


def user_form(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        **management(EXISTING, 0),
        **management(NEW, 0),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_making_a_user_superuser_grants_owner_through_the_service(staff_client, staff):
    user = UserFactory()

    response = staff_client.post(url("user", "change", user.pk), user_form(user, is_superuser="on"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff) == (True, True)
    assert AuditEvent.objects.get(event_type="OWNER_GRANTED").actor_user == staff


def test_password_change_page_works_with_email_login(staff_client, users):
    user = users["Viewer"]
    page = reverse("admin:auth_user_password_change", args=[user.pk])

    response = staff_client.post(
        page,
        {
            "usable_password": "true",
            "password1": "a-new-long-password",
            "password2": "a-new-long-password",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-password")


def test_users_cannot_be_deleted_in_the_admin(staff_client, users):
    response = staff_client.get(url("user", "delete", users["Viewer"].pk))

    assert response.status_code == 403


def test_adding_a_membership_on_the_user_page_goes_through_the_service(
    staff_client, staff, other_org
):
    user = UserFactory()
    data = user_form(user) | management(NEW, 1)
    data |= {f"{NEW}-0-organization": str(other_org.pk), f"{NEW}-0-role": Role.DEVELOPER}

    response = staff_client.post(url("user", "change", user.pk), data)

    assert response.status_code == 302
    assert Membership.objects.get(user=user, organization=other_org).role == Role.DEVELOPER
    assert AuditEvent.objects.get(event_type="USER_LINKED").actor_user == staff
