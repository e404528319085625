"""Collaboration factories; everything is made through the services, as users make it."""

from backoffice.actors import Actor
from backoffice.models import Organization, User
from backoffice.roles import Role
from collaboration import services
from collaboration.models import Comment, UserGroup
from projects.models import Project
from projects.services import project_grant_set
from tests.backoffice.factories import member


def make_comment(project: Project, author: User, message: str = "Looks good") -> Comment:
    return services.comment_create(actor=Actor.for_user(author), project=project, message=message)


def make_group(organization: Organization, name: str = "Designers", users=()) -> UserGroup:
    actor = Actor.system("tests")
    group = services.user_group_create(actor=actor, organization=organization, name=name)
    for user in users:
        services.user_group_add_member(actor=actor, user_group=group, user=user)
    return group


def grant(project: Project, role: Role, **principal) -> None:
    admin = member(project.organization, Role.ORGANIZATION_ADMIN)
    project_grant_set(actor=Actor.for_user(admin), project=project, role=role, **principal)
