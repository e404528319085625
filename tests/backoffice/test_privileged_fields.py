"""Only the system Owner raises or takes away rights (superuser, staff access, Django
permissions and groups) or edits another staff account: through the admin form, the
services the API and the commands call, and the commands themselves."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from backoffice import services
from backoffice.actors import Actor
from backoffice.errors import Forbidden
from backoffice.models import AuditEvent, Membership, User
from backoffice.roles import Role
from tests.admin_forms import change_form_data
from tests.backoffice.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def url(view: str, *args) -> str:
    return reverse(f"admin:backoffice_user_{view}", args=args)


@pytest.fixture
def staff(org) -> User:
    """A staff account of one organization with every Django model permission, the most a
    non-Owner can hold: ``change_user`` included."""
    user = member(org, Role.ORGANIZATION_ADMIN, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


def submitted_form(client, user: User, **changes) -> dict:
    """The user's change form as the browser shows it, with ``changes`` forged in."""
    page = client.get(url("change", user.pk))
    assert page.status_code == 200
    data = change_form_data(page.content.decode(), "user_form")
    # An empty multiple select submits nothing (the form reader gives it "").
    multiple = {"groups", "user_permissions"}
    data = {key: value for key, value in data.items() if value != "" or key not in multiple}
    return {**data, **changes}


# The admin form ----------------------------------------------------------------------------


def test_staff_cannot_make_themselves_superuser_in_the_admin(client, staff):
    client.force_login(staff)

    response = client.post(
        url("change", staff.pk), submitted_form(client, staff, is_superuser="on")
    )

    assert response.status_code == 302  # the rest of the form saves; the right is ignored
    staff.refresh_from_db()
    assert staff.is_superuser is False
    assert not AuditEvent.objects.filter(event_type="OWNER_GRANTED").exists()


def test_staff_cannot_give_themselves_permissions_or_groups(client, staff, org):
    group = Group.objects.create(name="powerful")
    staff.user_permissions.clear()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(staff)
    every = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]

    client.post(
        url("change", staff.pk),
        submitted_form(client, staff, user_permissions=every, groups=[str(group.pk)]),
    )

    assert staff.user_permissions.count() == 2
    assert not staff.groups.exists()


def test_rights_fields_are_read_only_for_staff(client, staff):
    client.force_login(staff)

    data = change_form_data(client.get(url("change", staff.pk)).content.decode(), "user_form")

    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(data)


def test_staff_cannot_make_a_member_staff(client, staff, users):
    viewer = users["Viewer"]
    client.force_login(staff)

    client.post(url("change", viewer.pk), submitted_form(client, viewer, is_staff="on"))

    viewer.refresh_from_db()
    assert viewer.is_staff is False


def test_staff_can_still_edit_a_members_profile(client, staff, users):
    viewer = users["Viewer"]
    client.force_login(staff)

    response = client.post(
        url("change", viewer.pk), submitted_form(client, viewer, display_name="Renamed")
    )

    assert response.status_code == 302
    viewer.refresh_from_db()
    assert viewer.display_name == "Renamed"


@pytest.mark.parametrize("view", ["change", "password_change", "history"])
def test_staff_cannot_open_the_owners_pages(client, staff, users, org, view):
    owner = users["Owner"]
    Membership.objects.create(user=owner, organization=org, role=Role.ORGANIZATION_ADMIN)
    client.force_login(staff)

    name = "auth_user_password_change" if view == "password_change" else f"backoffice_user_{view}"
    response = client.get(reverse(f"admin:{name}", args=[owner.pk]))

    assert response.status_code == 403


def test_staff_cannot_change_another_staff_accounts_password(client, staff, org):
    colleague = member(org, Role.VIEWER, is_staff=True)
    client.force_login(staff)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[colleague.pk]),
        {"usable_password": "true", "password1": "taken-over-now", "password2": "taken-over-now"},
    )

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert not colleague.check_password("taken-over-now")


def test_staff_cannot_change_another_staff_account(client, staff, org):
    colleague = member(org, Role.VIEWER, is_staff=True)
    client.force_login(staff)

    response = client.post(url("change", colleague.pk), {"email": "mine@example.com"})

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.email != "mine@example.com"


def test_staff_cannot_raise_their_own_role_on_their_page(client, org):
    developer = member(org, Role.DEVELOPER, is_staff=True)
    developer.user_permissions.set(Permission.objects.all())
    membership = Membership.objects.get(user=developer)
    client.force_login(developer)
    data = submitted_form(client, developer)
    data["memberships-0-role"] = Role.ORGANIZATION_ADMIN

    client.post(url("change", developer.pk), data)

    membership.refresh_from_db()
    assert membership.role == Role.DEVELOPER


def test_the_owner_makes_someone_owner_in_the_admin(client, users):
    owner, viewer = users["Owner"], users["Viewer"]
    client.force_login(owner)

    response = client.post(
        url("change", viewer.pk), submitted_form(client, viewer, is_superuser="on")
    )

    assert response.status_code == 302
    viewer.refresh_from_db()
    assert (viewer.is_superuser, viewer.is_staff) == (True, True)


# The services (what the API and the commands call) -------------------------------------------


def test_user_set_owner_refuses_anyone_but_the_owner(users):
    admin = users["OrganizationAdmin"]

    with pytest.raises(Forbidden):
        services.user_set_owner(actor=Actor.for_user(admin), user=admin, is_owner=True)

    admin.refresh_from_db()
    assert admin.is_superuser is False


def test_user_set_owner_refuses_a_non_owner_revoking_the_owner(users):
    owner = users["Owner"]

    with pytest.raises(Forbidden):
        services.user_set_owner(
            actor=Actor.for_user(users["OrganizationAdmin"]), user=owner, is_owner=False
        )

    owner.refresh_from_db()
    assert owner.is_superuser is True


def test_user_set_owner_works_for_the_owner_and_the_system(users):
    services.user_set_owner(
        actor=Actor.for_user(users["Owner"]), user=users["Viewer"], is_owner=True
    )
    services.user_set_owner(actor=Actor.system(), user=users["Developer"], is_owner=True)

    assert User.objects.filter(is_superuser=True).count() == 3


def test_staff_access_is_granted_only_by_the_owner(users):
    admin = users["OrganizationAdmin"]

    with pytest.raises(Forbidden):
        services.user_update_profile(actor=Actor.for_user(admin), user=admin, is_staff=True)
    with pytest.raises(Forbidden):
        services.user_create(actor=Actor.for_user(admin), email="new@example.com", is_owner=True)

    admin.refresh_from_db()
    assert admin.is_staff is False
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_api_offers_no_way_to_raise_rights(client_for, users):
    viewer = users["Viewer"]
    api = client_for(viewer)

    for method in (api.patch, api.put):
        response = method("/api/me", {"isOwner": True, "isStaff": True}, format="json")
        assert response.status_code == 405

    viewer.refresh_from_db()
    assert (viewer.is_superuser, viewer.is_staff) == (False, False)
    assert api.get("/api/me").json()["isOwner"] is False


# The commands (run by the servers' operators: the system actor) -----------------------------


def test_create_user_owner_is_the_systems_to_grant(org):
    call_command("create_user", "ops@example.com", "--org", org.slug, "--role", "Viewer", "--owner")

    user = User.objects.get(email="ops@example.com")
    assert user.is_superuser
    event = AuditEvent.objects.get(
        event_type="USER_CREATED", targets__contains=[{"id": str(user.pk)}]
    )
    assert event.actor_kind == "system"


def test_owner_rights_of_an_existing_user_go_through_the_guarded_service(org):
    user = UserFactory()

    call_command("create_user", user.email, "--org", org.slug, "--role", "Viewer", "--owner")

    user.refresh_from_db()
    assert user.is_superuser
    assert AuditEvent.objects.get(event_type="OWNER_GRANTED").actor_kind == "system"
