"""The invariants that must hold when requests race, proved on real PostgreSQL with threads
released together, each on its own connection (``tests/concurrency.py``):

- unique slugs: concurrent creates, and a restore racing a create, get distinct slugs;
- one share per channel: concurrent upserts make one share and one creation event;
- one Production template per project: concurrent PROD publishes leave exactly one;
- idempotent uploads: concurrent retries with one Idempotency-Key make one template;
- the last OrganizationAdmin stays: two simultaneous removals of the two last admins (each
  demoting the other, or deactivations) leave exactly one.
"""

import pytest
from django.db import connection

from backoffice.actors import Actor
from backoffice.errors import Conflict
from backoffice.models import AuditEvent, Membership, User
from backoffice.roles import Role
from backoffice.services import member_deactivate
from projects.models import Project
from projects.services import project_activate, project_create, project_restore, project_trash
from shares.models import DistributionChannel, PublicVideoShare
from shares.services import channel_publish
from templates.constants import Status
from templates.models import IdempotencyRecord, Template
from templates.services import template_upload
from tests.backoffice.factories import OrganizationFactory, member, token_for
from tests.concurrency import run_each_together, run_together
from tests.conftest import Client
from tests.projects.factories import make_project
from tests.shares.test_public_shares import BODY as SHARE_BODY
from tests.templates.helpers import fixture_file, make_template, stored_files

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

SYSTEM = Actor.system("tests")


def active_admins(organization) -> int:
    return Membership.objects.filter(
        organization=organization,
        role=Role.ORGANIZATION_ADMIN,
        deactivated_at__isnull=True,
        user__status=User.Status.ACTIVE,
    ).count()


# Unique slugs -------------------------------------------------------------------------------


def test_concurrent_creates_with_one_name_get_distinct_slugs():
    threads = 20
    organization = OrganizationFactory()
    actor = Actor.for_user(member(organization, Role.PROJECT_MANAGER))

    projects = run_together(
        lambda: project_create(
            actor=actor, organization=organization, name="Crédito Pre-Aprobado Q2"
        ),
        threads,
    )

    expected = {"credito-pre-aprobado-q2"} | {
        f"credito-pre-aprobado-q2-{n}" for n in range(2, threads + 1)
    }
    assert sorted(project.slug for project in projects) == sorted(expected)
    stored = Project.objects.filter(organization=organization)
    assert set(stored.values_list("slug", flat=True)) == expected
    assert stored.count() == threads
    assert (
        AuditEvent.objects.filter(organization=organization, event_type="PROJECT_CREATED").count()
        == threads
    )


def test_restore_racing_a_create_for_the_same_slug_gives_two_slugs():
    organization = OrganizationFactory()
    old = make_project(organization, name="Campaign")
    project_trash(actor=SYSTEM, project=old)

    run_each_together(
        lambda: project_restore(actor=SYSTEM, project=old),
        lambda: make_project(organization, name="Campaign"),
    )

    slugs = sorted(Project.objects.live().values_list("slug", flat=True))
    assert slugs == ["campaign", "campaign-2"]


# One share per channel ----------------------------------------------------------------------


def test_concurrent_puts_leave_exactly_one_share():
    threads = 20
    organization = OrganizationFactory()
    project = make_project(organization)
    token = token_for(member(organization, Role.PROJECT_MANAGER))
    counter = iter(range(threads))

    def upsert() -> int:
        client = Client()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = {**SHARE_BODY, "publicTitle": f"Title {next(counter)}"}
        url = f"/api/Projects/{project.pk}/public-video-shares/PROD"
        return client.put(url, body, format="json").status_code

    statuses = run_together(upsert, threads)

    assert sorted(statuses) == [200] * (threads - 1) + [201]
    assert PublicVideoShare.objects.filter(project=project).count() == 1
    assert AuditEvent.objects.filter(event_type="SHARE_CREATED").count() == 1


# One Production template --------------------------------------------------------------------


def test_concurrent_prod_publishes_leave_one_production_template():
    threads = 10
    organization = OrganizationFactory()
    actor = Actor.for_user(member(organization, Role.PROJECT_MANAGER))
    project = project_activate(actor=actor, project=make_project(organization))
    templates = [make_template(project, name=f"Variant {n}") for n in range(threads)]

    run_each_together(
        *[
            lambda template=template: channel_publish(
                actor=actor, project=project, channel="PROD", template_id=template.pk
            )
            for template in templates
        ]
    )

    production = Template.objects.filter(project=project, status=Status.PRODUCTION)
    assert production.count() == 1
    assert Template.objects.filter(project=project, status=Status.PREVIOUS).count() == threads - 1
    assert Template.objects.filter(project=project, was_production=True).count() == threads
    prod = DistributionChannel.objects.get(project=project, channel="PROD")
    assert prod.active_template_id == production.get().pk
    # The last publish event names the template the channel shows.
    last = AuditEvent.objects.filter(event_type="CHANNEL_PUBLISHED").order_by("-created_at").first()
    assert {"type": "template", "id": str(prod.active_template_id)}.items() <= next(
        item for item in last.targets if item["type"] == "template"
    ).items()


# Idempotent uploads -------------------------------------------------------------------------


def test_concurrent_retries_with_one_key_make_one_template(media_root):
    organization = OrganizationFactory()
    project = make_project(organization)
    actor = Actor.for_user(member(organization, Role.DEVELOPER))

    outcomes = run_together(
        lambda: template_upload(
            actor=actor,
            project=project,
            name="Welcome video",
            kind="LottieStandalone",
            template_json=fixture_file("lottie.json"),
            manifest_json=fixture_file("manifest.json"),
            idempotency_key="retry-me",
            respond=lambda template: {"id": str(template.pk)},
        ),
        8,
    )

    template = Template.objects.get(project=project)
    assert {outcome.body["id"] for outcome in outcomes} == {str(template.pk)}
    assert sum(not outcome.replayed for outcome in outcomes) == 1
    assert IdempotencyRecord.objects.filter(project=project).count() == 1
    assert len(stored_files(media_root)) == 2


# The last OrganizationAdmin -----------------------------------------------------------------


def demote(client: Client, organization, user):
    url = f"/api/Organizations/{organization.id}/members/{user.id}/role"
    return client.put(url, {"role": "Viewer"}, format="json")


def test_two_admins_demoting_each_other_at_once_leave_one_admin(org, users):
    """The organization row lock serialises the two requests: exactly one wins."""
    first = users["OrganizationAdmin"]
    second = member(org, Role.ORGANIZATION_ADMIN)
    by_first, by_second = Client(first), Client(second)

    statuses = run_each_together(
        lambda: demote(by_first, org, second).status_code,
        lambda: demote(by_second, org, first).status_code,
    )

    # The loser is refused by the last-admin rule (409) or, when the winner committed before
    # the loser's role was read, because it is no longer an admin (403).
    assert sorted(statuses) in ([200, 403], [200, 409])
    winner = first if statuses[0] == 200 else second
    assert active_admins(org) == 1
    assert Membership.objects.get(organization=org, user=winner).role == Role.ORGANIZATION_ADMIN
    assert AuditEvent.objects.filter(organization=org, event_type="ROLE_CHANGED").count() == 1


def test_deactivating_and_demoting_the_two_last_admins_at_once_leaves_one(org, users):
    first = users["OrganizationAdmin"]
    second = member(org, Role.ORGANIZATION_ADMIN)
    owner = users["Owner"]
    url = f"/api/Organizations/{org.id}/members/{first.id}/deactivate"

    statuses = run_each_together(
        lambda: Client(owner).post(url).status_code,
        lambda: demote(Client(owner), org, second).status_code,
    )

    assert sorted(statuses) == [200, 409]
    assert active_admins(org) == 1


def test_deactivating_the_two_last_admins_at_once_keeps_one(org, users):
    first = users["OrganizationAdmin"]
    second = member(org, Role.ORGANIZATION_ADMIN)

    def deactivate(user) -> str:
        try:
            member_deactivate(actor=SYSTEM, membership=Membership.objects.get(user=user))
        except Conflict:
            return "conflict"
        return "ok"

    outcomes = run_each_together(lambda: deactivate(first), lambda: deactivate(second))

    assert sorted(outcomes) == ["conflict", "ok"]
    assert active_admins(org) == 1
    assert AuditEvent.objects.filter(organization=org, event_type="USER_DEACTIVATED").count() == 1
