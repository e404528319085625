"""Project factories; projects are made through the service, as users make them."""

from backoffice.actors import Actor
from backoffice.models import Organization, User
from projects.models import Project
from projects.services import project_create


def make_project(organization: Organization, creator: User | None = None, **fields) -> Project:
    actor = Actor.for_user(creator) if creator else Actor.system("tests")
    fields.setdefault("name", "Credit Card Pre-Approval Q2")
    return project_create(actor=actor, organization=organization, **fields)
