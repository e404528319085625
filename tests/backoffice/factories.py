"""Factories of the core models. Tokens go through the service, so they are real tokens."""

import factory

from backoffice.actors import Actor
from backoffice.models import Membership, Organization, User
from backoffice.roles import Role
from backoffice.services import token_create

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    status = User.Status.ACTIVE
    password = factory.django.Password(PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Bank {n}")
    slug = factory.Sequence(lambda n: f"bank-{n}")
    default_locale = "es-CL"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.VIEWER


def member(organization: Organization, role: Role = Role.VIEWER, **user_fields) -> User:
    """A new user with an active membership of this role in the organization."""
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(**user_fields)
    ).user


def token_for(user: User, scope: str = "write", **fields) -> str:
    """The full value of a new personal token of this user."""
    return token_create(
        actor=Actor.for_user(user), user=user, name="test", scope=scope, **fields
    ).value
