"""``manage.py create_api_token EMAIL [--scope read|write] [--name NAME] [--expires-days N]``"""

from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from backoffice import services
from backoffice.models import ApiToken

from ._base import ServiceCommand, get_user

#: About a hundred years (leave the option out for a token that never expires).
MAX_EXPIRES_DAYS = 36_500


class Command(ServiceCommand):
    help = (
        "Create a personal API token for a user. The token is shown once, alone on the "
        "last line printed; only its prefix and a digest are stored."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", nargs="?", help="The user's e-mail (whatever its case).")
        parser.add_argument(
            "--email", dest="email_option", metavar="EMAIL", help="The same, as an option."
        )
        parser.add_argument(
            "--scope",
            choices=ApiToken.Scope.values,
            default=ApiToken.Scope.WRITE,
            help="read tokens are refused any write (default: write).",
        )
        parser.add_argument(
            "--name", default="command line", help="What the token is for (default: %(default)s)."
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            metavar="N",
            help="Expire after N days (default: never).",
        )
        super().add_arguments(parser)

    def run(
        self,
        *,
        email: str | None,
        email_option: str | None,
        scope: str,
        name: str,
        expires_days: int | None,
        **options,
    ) -> str:
        if email and email_option and email.strip().lower() != email_option.strip().lower():
            raise CommandError("Give the e-mail once, as EMAIL or as --email.")
        email = email or email_option
        if not email:
            raise CommandError("The user's e-mail is required.")
        if not name.strip():
            raise CommandError("The token name must not be blank.")
        if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise CommandError(f"--expires-days must be from 1 to {MAX_EXPIRES_DAYS}.")
        user = get_user(email)
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        created = services.token_create(
            actor=self.actor, user=user, name=name.strip(), scope=scope, expires_at=expires_at
        )
        token = created.token
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "no expiry"
        self.note(
            f"Created token '{token.name}' for {user.email} "
            f"(prefix {token.prefix}, scope {token.scope}, {expiry})."
        )
        if not user.is_active:
            self.warn(f"the user is {user.status}; the token works only once they are Active.")
        if options.get("dry_run"):
            return created.value  # not printed: a dry run's token was never saved
        self.note("Store the token now; it cannot be shown again:")
        return created.value
