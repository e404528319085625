"""``manage.py load_demo_data [--password PW]``: a demo tenant to click around in.

Idempotent: what exists is kept (and put back to its demo role), what is missing is
created. Each part is one method, so later parts (projects, templates…) slot in after
``load_members``.
"""

from backoffice import services
from backoffice.demo import DEMO_ORGANIZATION_SLUG, Demo, demo_parts
from backoffice.models import ApiToken, Organization, User
from backoffice.roles import Role

from ._base import ServiceCommand, get_or_create_user, set_membership

DEFAULT_PASSWORD = "demo-password"
ORGANIZATION = {"name": "Banco Andino", "slug": DEMO_ORGANIZATION_SLUG, "default_locale": "es-CL"}
# The OrganizationAdmin comes first: demoting anyone else never leaves the org without one.
MEMBERS = [
    ("admin@demo.percus.local", Role.ORGANIZATION_ADMIN, "Ana Administradora"),
    ("pm@demo.percus.local", Role.PROJECT_MANAGER, "Pablo Gestor"),
    ("dev@demo.percus.local", Role.DEVELOPER, "Diana Desarrolladora"),
    ("viewer@demo.percus.local", Role.VIEWER, "Víctor Observador"),
]
OWNER = ("owner@demo.percus.local", "Olga Owner")
TOKEN_NAME = "demo"
#: The apps whose admin pages the demo's staff OrganizationAdmin works in.
STAFF_APP_LABELS = [
    "backoffice",
    "projects",
    "video_templates",
    "shares",
    "credentials",
    "collaboration",
    "webhooks",
]


class Command(ServiceCommand):
    help = (
        "Load a demo organization, Banco Andino (banco-andino, es-CL), with one user of each "
        "role and a system Owner, all with the same password, and print the staff admin "
        "login (the OrganizationAdmin, who has staff access), the Owner login and a fresh "
        "API token of the OrganizationAdmin (the previous demo token is revoked). Safe to "
        "run again: nothing is duplicated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="The password of the demo users created by this run (default: %(default)s). "
            "Users that exist keep theirs.",
        )
        super().add_arguments(parser)

    def run(self, *, password: str, **options) -> list[str]:
        organization = self.load_organization()
        members = self.load_members(organization, password)
        demo = Demo(organization=organization, members=members, actor=self.actor)
        owner = self.load_owner(password)
        for part in demo_parts:
            part(demo)
        admin = demo.members[Role.ORGANIZATION_ADMIN]
        self.give_staff_access(admin)
        token = self.issue_token(admin)
        return [
            self.style.SUCCESS("Demo data loaded."),
            self.login_line("Staff admin login (OrganizationAdmin)", admin, password),
            self.login_line("Owner login (superuser)", owner, password),
            f"Demo API token (OrganizationAdmin): {token}",
        ]

    def load_organization(self) -> Organization:
        organization = Organization.objects.filter(slug=ORGANIZATION["slug"]).first()
        if organization is None:
            organization = services.organization_create(actor=self.actor, **ORGANIZATION)
            self.note(f"Organization {organization.name}: created.")
        else:
            self.note(f"Organization {organization.name}: exists.")
        return organization

    def load_members(self, organization: Organization, password: str) -> dict[Role, User]:
        members = {}
        for email, role, display_name in MEMBERS:
            user, created = get_or_create_user(
                self.actor, email=email, password=password, display_name=display_name
            )
            _, done = set_membership(self.actor, organization=organization, user=user, role=role)
            self.note(f"User {email}: {'created' if created else 'exists'}, {done}.")
            user.refresh_from_db(fields=["status"])
            if not user.is_active:
                self.warn(f"{email} is {user.status} and cannot sign in.")
            members[role] = user
        return members

    def load_owner(self, password: str) -> User:
        email, display_name = OWNER
        owner, created = get_or_create_user(
            self.actor, email=email, password=password, display_name=display_name, is_owner=True
        )
        self.note(f"Owner {email}: {'created' if created else 'exists'}.")
        return owner

    def give_staff_access(self, user: User) -> None:
        """The OrganizationAdmin opens ``/admin/``: staff access, and the model permissions
        of the product's apps (what they may do on each object is still their role's)."""
        if not user.is_staff:
            services.user_update_profile(actor=self.actor, user=user, is_staff=True)
            self.note(f"User {user.email}: given staff access.")
        services.user_grant_model_permissions(
            actor=self.actor, user=user, app_labels=STAFF_APP_LABELS
        )

    def issue_token(self, user: User) -> str:
        """A new token named "demo" for the user; the previous ones stop working."""
        previous = ApiToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True)
        for token in previous:
            services.token_revoke(actor=self.actor, token=token)
            self.note(f"Revoked the previous demo token {token.prefix}.")
        created = services.token_create(actor=self.actor, user=user, name=TOKEN_NAME)
        return created.value

    def login_line(self, label: str, user: User, password: str) -> str:
        if user.check_password(password):
            return f"{label}: {user.email} / {password}"
        return f"{label}: {user.email} (its password was changed; it is not {password!r})"
