"""``manage.py create_user EMAIL --org SLUG --role ROLE [--password PW] [--owner]
[--change-role]``"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from backoffice.models import Membership, User
from backoffice.roles import Role

from ._base import (
    ServiceCommand,
    clean_email,
    get_or_create_user,
    get_organization,
    set_membership,
)


class Command(ServiceCommand):
    help = (
        "Create a user (Active) with a role in an organization, or, for an existing e-mail "
        "(whatever its case), add them there; changing the role of an existing member needs "
        "--change-role. The last line printed is the user id."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The user's e-mail, which is their login.")
        parser.add_argument("--org", required=True, metavar="SLUG", help="The organization's slug.")
        parser.add_argument(
            "--role",
            required=True,
            choices=Role.values,
            help="The role in the organization: %(choices)s.",
        )
        parser.add_argument(
            "--password",
            help="The password of a new user (without it, the user has no usable password); "
            "Django's password validators apply. Ignored for an existing user.",
        )
        parser.add_argument("--display-name", default="", help="The name shown for a new user.")
        parser.add_argument(
            "--owner",
            action="store_true",
            help="Also make the user the system Owner (superuser with staff access).",
        )
        parser.add_argument(
            "--change-role",
            action="store_true",
            help="Change the role of a user who is already a member of the organization "
            "(without it, a different role is refused and nothing changes).",
        )
        super().add_arguments(parser)

    def run(
        self,
        *,
        email: str,
        org: str,
        role: str,
        password: str | None,
        display_name: str,
        owner: bool,
        change_role: bool = False,
        **options,
    ) -> str:
        email = clean_email(email)
        organization = get_organization(org)
        current = (
            Membership.objects.filter(organization=organization, user__email__iexact=email)
            .values_list("role", flat=True)
            .first()
        )
        if current is not None and current != role and not change_role:
            raise CommandError(
                f"{email} is already {current} in {organization.name}: add --change-role to "
                f"make them {role}."
            )
        if password and not User.objects.filter(email__iexact=email).exists():
            check_password(password, User(email=email, display_name=display_name))
        user, created = get_or_create_user(
            self.actor,
            email=email,
            password=password,
            display_name=display_name,
            is_owner=owner,
        )
        if created:
            password_note = "" if password else ", no usable password"
            self.note(f"Created user {user.email} ({user.status}{password_note}).")
        else:
            self.note(f"User {user.email} exists ({user.status}).")
            if password:
                self.warn("--password is ignored for an existing user.")
        if owner:
            self.note(f"{user.email} is the system Owner.")
        _, done = set_membership(self.actor, organization=organization, user=user, role=Role(role))
        self.note(f"Membership in {organization.name}: {done}.")
        user.refresh_from_db(fields=["status"])
        if not user.is_active:
            self.warn(f"the user is {user.status} and cannot sign in.")
        return str(user.id)


def check_password(password: str, user: User) -> None:
    """Django's password validators (``AUTH_PASSWORD_VALIDATORS``), as the admin and the
    invitation page apply them: a weak password is refused before anything is saved."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise CommandError("The password is too weak: " + " ".join(error.messages)) from None
