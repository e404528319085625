"""What the operator commands share: one transaction per run, ``--dry-run``, the system actor,
and a service's ``DomainError`` reported as a ``CommandError``.

Django does not list modules starting with an underscore as commands.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from backoffice import services
from backoffice.actors import Actor
from backoffice.errors import DomainError
from backoffice.models import Membership, Organization, User
from backoffice.roles import Role

LOCALE_TAG = services.LOCALE_TAG  # the services' own check


class ServiceCommand(BaseCommand):
    """A command that changes data through services.

    Subclasses implement ``run(**options)``: it does the work, may report progress on
    ``self.stdout``, and returns the final line(s). The whole run is one transaction, so a
    failure half-way leaves nothing behind, and the final lines (an id, a token that scripts
    read from the last line) are printed only once the work is committed.
    """

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do the work and report it, then roll back: nothing is saved.",
        )

    @property
    def actor(self) -> Actor:
        return Actor.system(f"command:{self.__module__.rpartition('.')[2]}")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        try:
            with transaction.atomic():
                final = self.run(**options)
                if dry_run:
                    transaction.set_rollback(True)
        except DomainError as error:
            raise CommandError(error.detail) from error
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
            return
        for line in [final] if isinstance(final, str) else final:
            self.stdout.write(line)

    def run(self, **options) -> str | Sequence[str]:
        raise NotImplementedError

    def note(self, message: str) -> None:
        self.stdout.write(message)

    def warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(f"Warning: {message}"))


def clean_email(email: str) -> str:
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        raise CommandError(f"'{email}' is not a valid e-mail address.") from None
    return email


def clean_locale(tag: str) -> str:
    if not LOCALE_TAG.fullmatch(tag):
        raise CommandError(f"'{tag}' is not a locale tag like es-CL or en-US.")
    return tag


def get_organization(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"No organization has the slug '{slug}'.")
    return organization


def get_user(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user has the e-mail '{email.strip()}'.")
    return user


def get_or_create_user(
    actor: Actor,
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    is_owner: bool = False,
) -> tuple[User, bool]:
    """The user with this e-mail (whatever its case), created ``Active`` if missing, and
    made the system Owner if asked. Returns ``(user, created)``; an existing user's
    password and name are left as they are."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = services.user_create(
            actor=actor,
            email=email,
            password=password,
            display_name=display_name,
            status=User.Status.ACTIVE,
            is_owner=is_owner,
        )
        return user, True
    if is_owner:
        user = services.user_set_owner(actor=actor, user=user, is_owner=True)
    return user, False


def set_membership(
    actor: Actor, *, organization: Organization, user: User, role: Role
) -> tuple[Membership, str]:
    """Give the user this role in the organization, reactivating a deactivated membership.
    Returns the membership and what was done, for the report."""
    before = Membership.objects.filter(organization=organization, user=user).first()
    membership = services.membership_set_role(
        actor=actor, organization=organization, user=user, role=role
    )
    if before is None:
        done = f"added as {role}"
    elif before.role != role:
        done = f"role changed from {before.role} to {role}"
    else:
        done = f"already {role}"
    if not membership.is_active:
        membership = services.member_reactivate(actor=actor, membership=membership)
        done += ", reactivated"
    return membership, done
