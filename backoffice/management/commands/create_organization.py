"""``manage.py create_organization NAME [--slug SLUG] [--default-locale TAG]``"""

from backoffice import services

from ._base import ServiceCommand, clean_locale


class Command(ServiceCommand):
    help = (
        "Create an organization (a tenant). Without --slug, one is made from the name, "
        "with a number added if it is taken. The last line printed is the organization id."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The organization's name, e.g. 'Banco Andino'.")
        parser.add_argument(
            "--slug", help="The unique slug, e.g. banco-andino. Refused if it is taken."
        )
        parser.add_argument(
            "--default-locale",
            default="en-US",
            metavar="TAG",
            help="The default locale of its campaigns, e.g. es-CL (default: en-US).",
        )
        super().add_arguments(parser)

    def run(self, *, name: str, slug: str | None, default_locale: str, **options) -> str:
        organization = services.organization_create(
            actor=self.actor,
            name=name,
            slug=slug,
            default_locale=clean_locale(default_locale),
        )
        self.note(
            f"Created organization {organization.name} "
            f"(slug {organization.slug}, default locale {organization.default_locale})."
        )
        return str(organization.id)
