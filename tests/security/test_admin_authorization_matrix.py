"""The admin authorization matrix (issue 15, SPEC §3, §15): every admin action, add, change
and delete of the project, template, share, credential and collaboration admins, for each staff
principal, expected outcome written here from the SPEC §3 table (independently of
``backoffice/roles.py``), and each cell checked against the database afterwards.

Every principal is a staff user holding every Django model permission, so only their role
decides. Each request is a real HTTP request through Django's test client, as a browser (or
a forged form) would send it; a refused action must also not be offered to a user who may
run it nowhere. Each principal's request runs in a savepoint that is rolled back.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.models import User
from backoffice.roles import Role
from collaboration.models import Comment, UserGroup
from collaboration.services import project_group_link
from credentials.models import ApiCredential
from credentials.services import credential_create
from projects.constants import Status
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from projects.services import project_activate, project_grant_set, project_trash
from shares.models import DistributionChannel, PublicVideoShare
from shares.services import channel_publish, share_disable, share_upsert
from templates.models import Template
from tests.admin_forms import change_form_data
from tests.backoffice.factories import member
from tests.collaboration.factories import make_comment, make_group
from tests.projects.factories import make_project
from tests.templates.helpers import make_template

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")

PRINCIPALS = ["Viewer", "Developer", "ProjectManager", "OrganizationAdmin", "other", "guest"]
PRINCIPALS += ["Owner"]
# Reading guide: Viewer Developer ProjectManager OrganizationAdmin | other guest | Owner
# (``other``: another organization's OrganizationAdmin; ``guest``: staff of another
# organization with a Developer grant on the project.)
PM = "- - A A - - A"  # create/edit projects, publish, shares, credentials, members
DEV = "- A A A - A A"  # upload / archive templates
ADMIN = "- - - A - - A"  # archive, trash, restore, delete projects; org settings; moderation


@dataclass
class World:
    people: dict[str, User]
    project: Project
    draft: Project
    trashed: Project
    disposable: Project
    published: Template
    free: Template
    share: PublicVideoShare
    disabled: PublicVideoShare
    credential: ApiCredential
    comment: Comment
    group: UserGroup
    user_grant: ProjectUserObjectPermission
    group_grant: ProjectGroupObjectPermission
    forms: dict[str, dict]


def staff(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def world(org, other_org, users, other_admin) -> World:
    creator = member(org, Role.PROJECT_MANAGER)
    project = project_activate(
        actor=SYSTEM, project=make_project(org, creator=creator, name="Cards Q2")
    )
    draft = make_project(org, creator=creator, name="Draft campaign")
    trashed = make_project(org, creator=creator, name="Old campaign")
    project_trash(actor=SYSTEM, project=trashed)
    disposable = make_project(org, creator=creator, name="Disposable")
    published = make_template(project)
    free = make_template(project, version="2.0")
    channel_publish(actor=SYSTEM, project=project, channel="DEV", template_id=published.pk)
    fields = {"public_title": "Offer"}
    share = share_upsert(actor=SYSTEM, project=project, channel="DEV", fields=fields).share
    share_upsert(actor=SYSTEM, project=project, channel="STAGING", fields=fields)
    disabled = share_disable(actor=SYSTEM, project=project, channel="STAGING")
    credential = credential_create(actor=SYSTEM, project=project, name="CRM").credential
    comment = make_comment(project, member(org, Role.DEVELOPER))
    target = member(org, Role.VIEWER)
    project_grant_set(actor=SYSTEM, project=project, role=Role.DEVELOPER, user=target)
    group = make_group(org, users=[target])
    project_group_link(actor=SYSTEM, project=project, user_group=group, role=Role.VIEWER)
    guest = member(other_org, Role.VIEWER)
    project_grant_set(actor=SYSTEM, project=project, role=Role.DEVELOPER, user=guest)
    people = {**users, "other": other_admin, "guest": guest}
    for person in people.values():
        staff(person)
    # The forms as the Owner's browser shows them: refused principals post them forged.
    owner = Client()
    owner.force_login(users["Owner"])

    def form(url: str, form_id: str) -> dict:
        data = change_form_data(owner.get(url).content.decode(), form_id)
        return {key: value for key, value in data.items() if "__prefix__" not in key}

    forms = {
        "project_add": form(reverse("admin:projects_project_add"), "project_form"),
        "project_change": form(
            reverse("admin:projects_project_change", args=[project.pk]), "project_form"
        ),
        "usergroup_change": form(
            reverse("admin:collaboration_usergroup_change", args=[group.pk]), "usergroup_form"
        ),
    }
    return World(
        people=people,
        project=project,
        draft=draft,
        trashed=trashed,
        disposable=disposable,
        published=published,
        free=free,
        share=share,
        disabled=disabled,
        credential=credential,
        comment=comment,
        group=group,
        user_grant=ProjectUserObjectPermission.objects.get(content_object=project, user=target),
        group_grant=ProjectGroupObjectPermission.objects.get(
            content_object=project, group=group.group
        ),
        forms=forms,
    )


@dataclass(frozen=True)
class Operation:
    expected: str
    #: ``(client, world)`` → the response of the request.
    request: Callable
    #: ``(world)`` → whether the change happened, read from the database.
    happened: Callable
    #: The changelist and action name, for actions a refused principal may run nowhere
    #: (checked as not offered).
    action: tuple[str, str] | None = None


def action(
    model: str, name: str, pick: Callable, expected: str, happened: Callable, query: str = ""
):
    url = reverse(f"admin:{model}_changelist") + query

    def request(client, world):
        data = {"action": name, "_selected_action": [str(pick(world).pk)], "post": "yes"}
        return client.post(url, data)

    return Operation(expected, request, happened, (url, name))


def delete(model: str, pick: Callable, expected: str):
    def request(client, world):
        obj = pick(world)
        return client.post(reverse(f"admin:{model}_delete", args=[obj.pk]), {"post": "yes"})

    def happened(world):
        obj = pick(world)
        return not type(obj).objects.filter(pk=obj.pk).exists()

    return Operation(expected, request, happened)


def post(url: Callable, data: Callable, expected: str, happened: Callable):
    def request(client, world):
        return client.post(url(world), data(world))

    return Operation(expected, request, happened)


def status(obj) -> str:
    return type(obj).objects.get(pk=obj.pk).status


OPERATIONS: dict[str, Operation] = {
    # projects
    "project add": post(
        lambda w: reverse("admin:projects_project_add"),
        lambda w: (
            {**w.forms["project_add"], "organization": str(w.project.organization_id)}
            | {"name": "Made in the admin"}
        ),
        PM,
        lambda w: Project.objects.filter(name="Made in the admin").exists(),
    ),
    "project change": post(
        lambda w: reverse("admin:projects_project_change", args=[w.project.pk]),
        lambda w: {**w.forms["project_change"], "name": "Renamed in the admin"},
        PM,
        lambda w: Project.objects.get(pk=w.project.pk).name == "Renamed in the admin",
    ),
    "project delete": delete("projects_project", lambda w: w.disposable, ADMIN),
    "project activate": action(
        "projects_project",
        "activate",
        lambda w: w.draft,
        PM,
        lambda w: status(w.draft) == Status.ACTIVE,
    ),
    "project archive": action(
        "projects_project",
        "archive",
        lambda w: w.project,
        ADMIN,
        lambda w: status(w.project) == Status.ARCHIVED,
    ),
    "project trash": action(
        "projects_project",
        "trash",
        lambda w: w.project,
        ADMIN,
        lambda w: Project.objects.get(pk=w.project.pk).trashed_at is not None,
    ),
    "project restore": action(
        "projects_project",
        "restore",
        lambda w: w.trashed,
        ADMIN,
        lambda w: Project.objects.get(pk=w.trashed.pk).trashed_at is None,
        query="?trashed=yes",
    ),
    "project delete_selected": action(
        "projects_project",
        "delete_selected",
        lambda w: w.disposable,
        ADMIN,
        lambda w: not Project.objects.filter(pk=w.disposable.pk).exists(),
    ),
    # templates
    "template delete": delete("video_templates_template", lambda w: w.free, PM),
    "template archive": action(
        "video_templates_template",
        "archive",
        lambda w: w.free,
        DEV,
        lambda w: status(w.free) == "Archived",
    ),
    "template publish_to_dev": action(
        "video_templates_template",
        "publish_to_dev",
        lambda w: w.free,
        PM,
        lambda w: (
            DistributionChannel.objects.get(project=w.project, channel="DEV").active_template
            == w.free
        ),
    ),
    "template delete_selected": action(
        "video_templates_template",
        "delete_selected",
        lambda w: w.free,
        PM,
        lambda w: not Template.objects.filter(pk=w.free.pk).exists(),
    ),
    # channels and shares
    "channel unpublish": action(
        "shares_distributionchannel",
        "unpublish",
        lambda w: DistributionChannel.objects.get(project=w.project, channel="DEV"),
        PM,
        lambda w: (
            DistributionChannel.objects.get(project=w.project, channel="DEV").active_template
            is None
        ),
    ),
    "share disable": action(
        "shares_publicvideoshare",
        "disable",
        lambda w: w.share,
        PM,
        lambda w: status(w.share) == "Disabled",
    ),
    "share restore": action(
        "shares_publicvideoshare",
        "restore",
        lambda w: w.disabled,
        PM,
        lambda w: status(w.disabled) == "Enabled",
    ),
    "share rotate_slug": action(
        "shares_publicvideoshare",
        "rotate_slug",
        lambda w: w.share,
        PM,
        lambda w: PublicVideoShare.objects.get(pk=w.share.pk).slug != w.share.slug,
    ),
    # credentials
    "credential add": post(
        lambda w: reverse("admin:credentials_apicredential_add"),
        lambda w: {"project": str(w.project.pk), "name": "Made in the admin"},
        PM,
        lambda w: ApiCredential.objects.filter(name="Made in the admin").exists(),
    ),
    "credential revoke": action(
        "credentials_apicredential",
        "revoke",
        lambda w: w.credential,
        PM,
        lambda w: ApiCredential.objects.get(pk=w.credential.pk).revoked_at is not None,
    ),
    # collaboration
    "comment delete": delete("collaboration_comment", lambda w: w.comment, ADMIN),
    # Offered to everyone: each may delete their own comments.
    "comment delete_selected": replace(
        action(
            "collaboration_comment",
            "delete_selected",
            lambda w: w.comment,
            ADMIN,
            lambda w: not Comment.objects.filter(pk=w.comment.pk).exists(),
        ),
        action=None,
    ),
    "user group add": post(
        lambda w: reverse("admin:collaboration_usergroup_add"),
        lambda w: {"organization": str(w.project.organization_id), "name": "Reviewers"},
        ADMIN,
        lambda w: UserGroup.objects.filter(name="Reviewers").exists(),
    ),
    "user group change": post(
        lambda w: reverse("admin:collaboration_usergroup_change", args=[w.group.pk]),
        lambda w: {**w.forms["usergroup_change"], "name": "Renamed group"},
        ADMIN,
        lambda w: UserGroup.objects.get(pk=w.group.pk).name == "Renamed group",
    ),
    "user group delete": delete("collaboration_usergroup", lambda w: w.group, ADMIN),
    "user grant delete": delete("projects_projectuserobjectpermission", lambda w: w.user_grant, PM),
    "group grant delete": delete(
        "projects_projectgroupobjectpermission", lambda w: w.group_grant, PM
    ),
}


class _Rollback(Exception):
    pass


def offered(client, url: str, name: str) -> bool:
    page = client.get(url)
    return page.status_code == 200 and f'value="{name}"' in page.content.decode()


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_staff_principal_gets_what_the_role_table_says(name, world):
    operation = OPERATIONS[name]
    expected = dict(zip(PRINCIPALS, operation.expected.split(), strict=True))
    wrong = {}
    for principal in PRINCIPALS:
        client = Client()
        client.force_login(world.people[principal])
        try:
            with transaction.atomic():
                response = operation.request(client, world)
                assert response.status_code < 500, (principal, response.status_code)
                happened = operation.happened(world)
                raise _Rollback
        except _Rollback:
            pass
        if happened != (expected[principal] == "A"):
            wrong[principal] = f"expected {expected[principal]}, changed: {happened}"
        # A refused action is not offered to someone who may run it on no project at all.
        if operation.action and expected[principal] == "-" and principal != "other":
            assert not offered(client, *operation.action), (principal, "offered")
    assert wrong == {}


def test_a_staff_viewer_cannot_archive_a_project_in_the_admin(world, client):
    """The finding of issue 15: admin actions checked Django's model permissions and the
    organization, never the role."""
    client.force_login(world.people["Viewer"])

    client.post(
        reverse("admin:projects_project_changelist"),
        {"action": "archive", "_selected_action": [str(world.project.pk)], "post": "yes"},
    )

    assert status(world.project) == Status.ACTIVE


def test_a_staff_viewer_deletes_their_own_comment_in_the_admin(world, client):
    viewer = world.people["Viewer"]
    own = make_comment(world.project, viewer)
    client.force_login(viewer)

    client.post(
        reverse("admin:collaboration_comment_changelist"),
        {"action": "delete_selected", "_selected_action": [str(own.pk)], "post": "yes"},
    )

    assert not Comment.objects.filter(pk=own.pk).exists()


def test_a_guest_sees_the_granted_project_and_nothing_else_of_the_host(world, client):
    client.force_login(world.people["guest"])

    page = client.get(reverse("admin:projects_project_changelist")).content.decode()

    assert world.project.name in page
    assert world.draft.name not in page


def test_the_creator_deletes_their_own_project_in_the_admin(world, client):
    """As ``DELETE /api/Projects/{id}``: the creator may, whatever their role."""
    creator = staff(world.project.created_by)
    client.force_login(creator)

    client.post(
        reverse("admin:projects_project_delete", args=[world.disposable.pk]), {"post": "yes"}
    )

    assert not Project.objects.filter(pk=world.disposable.pk).exists()
