"""The operator commands: what they print last (scripts read it), that they go through the
services, and that bad input is a CommandError."""

from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from backoffice.models import ApiToken, AuditEvent, Membership, Organization, User
from backoffice.roles import Role
from tests.backoffice.factories import PASSWORD, OrganizationFactory, member

pytestmark = pytest.mark.django_db


def run(name: str, *args: str, **options) -> list[str]:
    """The command's printed lines."""
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue().splitlines()


def me(token: str):
    return APIClient().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")


# create_organization ---------------------------------------------------------------------


def test_create_organization_prints_the_id_last():
    lines = run(
        "create_organization", "Banco Andino", "--slug", "banco", "--default-locale", "es-CL"
    )

    organization = Organization.objects.get(id=lines[-1])
    assert (organization.name, organization.slug, organization.default_locale) == (
        "Banco Andino",
        "banco",
        "es-CL",
    )


def test_create_organization_records_a_system_actor_event():
    org_id = run("create_organization", "Seguros Sur")[-1]

    event = AuditEvent.objects.get(event_type="ORGANIZATION_CREATED", organization_id=org_id)
    assert (event.actor_kind, event.actor_label) == ("system", "command:create_organization")


def test_create_organization_makes_a_slug_from_the_name():
    org_id = run("create_organization", "Seguros Sur")[-1]

    assert Organization.objects.get(id=org_id).slug == "seguros-sur"


def test_create_organization_refuses_a_taken_slug():
    OrganizationFactory(slug="taken")

    with pytest.raises(CommandError, match="taken"):
        run("create_organization", "Another", "--slug", "taken")


def test_create_organization_refuses_a_bad_locale():
    with pytest.raises(CommandError, match="locale"):
        run("create_organization", "Another", "--default-locale", "not a locale")

    assert not Organization.objects.exists()


def test_create_organization_dry_run_saves_nothing():
    lines = run("create_organization", "Seguros Sur", "--dry-run")

    assert "Dry run" in lines[-1]
    assert not Organization.objects.exists()


# create_user -----------------------------------------------------------------------------


def test_create_user_creates_an_active_member_and_prints_the_id_last(org):
    lines = run(
        "create_user",
        "New@Example.com",
        "--org",
        org.slug,
        "--role",
        "Developer",
        "--password",
        "pw-123456",
    )

    user = User.objects.get(id=lines[-1])
    assert user.status == User.Status.ACTIVE
    assert user.check_password("pw-123456")
    assert not user.is_superuser
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (org, Role.DEVELOPER)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("8164729301", "entirely numeric"),
        ("weak.ana@example.com", "too similar"),
    ],
)
def test_create_user_applies_the_password_validators(org, password, reason):
    with pytest.raises(CommandError, match=f"The password is too weak: .*{reason}"):
        run("create_user", "weak.ana@example.com", "--org", org.slug, "--role", "Viewer",
            "--password", password)  # fmt: skip

    assert not User.objects.filter(email="weak.ana@example.com").exists()


def test_create_user_on_an_existing_member_refuses_another_role_without_the_flag(org):
    user = member(org, Role.PROJECT_MANAGER, email="pm@example.com")

    with pytest.raises(CommandError, match="--change-role"):
        run("create_user", "PM@example.com", "--org", org.slug, "--role", "Viewer")

    assert Membership.objects.get(user=user).role == Role.PROJECT_MANAGER
    assert not AuditEvent.objects.filter(event_type="ROLE_CHANGED").exists()
    # The same role again is fine (nothing to change).
    assert run("create_user", user.email, "--org", org.slug, "--role", "ProjectManager")[-1] == (
        str(user.id)
    )


def test_create_user_on_an_existing_email_changes_the_role_with_the_flag(org):
    user = member(org, Role.VIEWER, email="ana@example.com")

    lines = run(
        "create_user",
        "ANA@example.com",
        "--org",
        org.slug,
        "--role",
        "ProjectManager",
        "--change-role",
    )

    assert lines[-1] == str(user.id)
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1
    assert Membership.objects.get(user=user).role == Role.PROJECT_MANAGER
    assert AuditEvent.objects.filter(event_type="ROLE_CHANGED").exists()


def test_create_user_adds_an_existing_user_to_another_organization(org, other_org):
    user = member(org, Role.VIEWER)

    run("create_user", user.email, "--org", other_org.slug, "--role", "Viewer")

    assert set(user.memberships.values_list("organization__slug", flat=True)) == {
        org.slug,
        other_org.slug,
    }


def test_create_user_keeps_an_existing_users_password(org):
    user = member(org, Role.VIEWER)

    run("create_user", user.email, "--org", org.slug, "--role", "Viewer", "--password", "other-pw")

    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_create_user_owner_makes_a_superuser(org):
    user_id = run(
        "create_user", "boss@example.com", "--org", org.slug, "--role", "Viewer", "--owner"
    )[-1]

    user = User.objects.get(id=user_id)
    assert user.is_superuser
    assert user.is_staff


def test_create_user_owner_promotes_an_existing_user_through_the_service(org):
    user = member(org, Role.VIEWER)

    run("create_user", user.email, "--org", org.slug, "--role", "Viewer", "--owner")

    user.refresh_from_db()
    assert user.is_superuser
    assert user.is_staff
    event = AuditEvent.objects.get(event_type="OWNER_GRANTED")
    assert event.actor_label == "command:create_user"


def test_create_user_refuses_an_unknown_role(org):
    with pytest.raises(CommandError, match="role"):
        run("create_user", "x@example.com", "--org", org.slug, "--role", "Boss")

    assert not User.objects.filter(email="x@example.com").exists()


def test_create_user_refuses_an_unknown_organization():
    with pytest.raises(CommandError, match="nowhere"):
        run("create_user", "x@example.com", "--org", "nowhere", "--role", "Viewer")

    assert not User.objects.filter(email="x@example.com").exists()


def test_create_user_refuses_an_invalid_email(org):
    with pytest.raises(CommandError, match="e-mail"):
        run("create_user", "not-an-email", "--org", org.slug, "--role", "Viewer")


def test_create_user_cannot_demote_the_last_organization_admin(org):
    admin = member(org, Role.ORGANIZATION_ADMIN)

    with pytest.raises(CommandError, match="at least one active OrganizationAdmin"):
        run("create_user", admin.email, "--org", org.slug, "--role", "Viewer", "--change-role")

    assert Membership.objects.get(user=admin).role == Role.ORGANIZATION_ADMIN


# create_api_token ------------------------------------------------------------------------


def test_create_api_token_prints_a_token_that_authenticates(users):
    user = users["Developer"]

    lines = run("create_api_token", user.email.upper())

    response = me(lines[-1])
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_create_api_token_takes_scope_name_and_expiry(users):
    user = users["Viewer"]

    value = run(
        "create_api_token", user.email, "--scope", "read", "--name", "ci", "--expires-days", "30"
    )[-1]

    token = ApiToken.objects.get(user=user, name="ci")
    assert value.startswith(token.prefix)
    assert token.scope == ApiToken.Scope.READ
    assert token.expires_at is not None


def test_create_api_token_accepts_the_email_as_an_option(users):
    value = run("create_api_token", "--email", users["Viewer"].email)[-1]

    assert me(value).status_code == 200


def test_create_api_token_stores_only_the_digest(users):
    value = run("create_api_token", users["Viewer"].email)[-1]

    token = ApiToken.objects.get(user=users["Viewer"])
    assert value not in {token.digest, token.prefix}


def test_create_api_token_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match=r"nobody@example\.com"):
        run("create_api_token", "nobody@example.com")


def test_create_api_token_dry_run_promises_no_token(users):
    lines = run("create_api_token", users["Viewer"].email, "--dry-run")

    assert "Dry run" in lines[-1]
    assert not any("Store the token now" in line for line in lines)
    assert not ApiToken.objects.exists()


def test_create_api_token_refuses_a_bad_scope(users):
    with pytest.raises(CommandError, match="scope"):
        run("create_api_token", users["Viewer"].email, "--scope", "admin")


def test_create_api_token_refuses_a_non_positive_expiry(users):
    with pytest.raises(CommandError, match="expires-days"):
        run("create_api_token", users["Viewer"].email, "--expires-days", "0")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", ["3000000", "100000000000", "36501"])
def test_create_api_token_refuses_a_huge_expiry(users, days):
    # Was an OverflowError traceback.
    with pytest.raises(CommandError, match="--expires-days must be from 1 to 36500"):
        run("create_api_token", users["Viewer"].email, "--expires-days", days)

    assert not ApiToken.objects.exists()


# load_demo_data --------------------------------------------------------------------------


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Organization.objects.count(), Membership.objects.count()


def test_load_demo_data_creates_a_user_of_each_role_and_an_owner(db):
    run("load_demo_data")

    organization = Organization.objects.get(slug="banco-andino")
    assert (organization.name, organization.default_locale) == ("Banco Andino", "es-CL")
    roles = set(organization.memberships.values_list("role", flat=True))
    assert roles == set(Role.values)
    owner = User.objects.get(email="owner@demo.percus.local")
    assert owner.is_superuser
    assert owner.check_password("demo-password")


def test_load_demo_data_prints_the_staff_admin_and_owner_logins(db):
    lines = run("load_demo_data")

    assert "Staff admin login (OrganizationAdmin): admin@demo.percus.local / demo-password" in lines
    assert "Owner login (superuser): owner@demo.percus.local / demo-password" in lines


def test_load_demo_data_twice_creates_no_duplicates(db):
    run("load_demo_data")
    first = counts()

    run("load_demo_data")

    assert counts() == first


def test_load_demo_data_rerun_prints_a_new_token_and_revokes_the_old_one(db):
    first = run("load_demo_data")[-1].rpartition(" ")[2]
    second = run("load_demo_data")[-1].rpartition(" ")[2]

    assert first != second
    assert me(second).status_code == 200
    assert me(second).json()["email"] == "admin@demo.percus.local"
    assert me(first).status_code == 401
    admin = User.objects.get(email="admin@demo.percus.local")
    assert admin.api_tokens.filter(name="demo", revoked_at=None).count() == 1


def test_load_demo_data_takes_the_password(db):
    run("load_demo_data", "--password", "another-password")

    assert User.objects.get(email="pm@demo.percus.local").check_password("another-password")


def test_load_demo_data_keeps_a_changed_password_and_says_so(db):
    run("load_demo_data")
    admin = User.objects.get(email="admin@demo.percus.local")
    admin.set_password("changed-by-hand")
    admin.save(update_fields=["password"])

    lines = run("load_demo_data")

    staff_line = next(line for line in lines if line.startswith("Staff admin login"))
    assert "/ demo-password" not in staff_line
    assert "(its password was changed; it is not 'demo-password')" in "\n".join(lines)
    assert "Owner login (superuser): owner@demo.percus.local / demo-password" in lines
    admin.refresh_from_db()
    assert admin.check_password("changed-by-hand")


def test_load_demo_data_puts_the_demo_roles_back(db):
    run("load_demo_data")
    viewer = User.objects.get(email="viewer@demo.percus.local")
    Membership.objects.filter(user=viewer).update(role=Role.PROJECT_MANAGER)

    run("load_demo_data")

    assert Membership.objects.get(user=viewer).role == Role.VIEWER


def test_load_demo_data_acts_as_the_system(db):
    run("load_demo_data")

    labels = set(AuditEvent.objects.values_list("actor_label", flat=True))
    assert labels == {"command:load_demo_data"}


@pytest.mark.parametrize(
    "name", ["create_organization", "create_user", "create_api_token", "load_demo_data"]
)
def test_command_has_help(name):
    command = load_command_class("backoffice", name)

    text = command.create_parser("manage.py", name).format_help()

    assert command.help
    assert "--dry-run" in text
