"""The staff admin of collaboration: pages render, and changes go through the services."""

import pytest
from django.urls import reverse

from backoffice.models import AuditEvent, User
from backoffice.roles import Role
from collaboration.models import Comment, UserGroup
from projects.models import ProjectGroupObjectPermission, ProjectUserObjectPermission
from tests.backoffice.factories import UserFactory, member
from tests.collaboration.factories import grant, make_comment, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, db):
    staff: User = UserFactory(is_superuser=True, is_staff=True, email="staff@percus.example")
    client.force_login(staff)
    return client


@pytest.fixture
def objects(org, project, users):
    comment = make_comment(project, users["Viewer"])
    group = make_group(org, "Designers", users=[users["Viewer"]])
    grant(project, Role.DEVELOPER, user=member(org))
    grant(project, Role.VIEWER, group=group.group)
    return {
        "comment": comment,
        "usergroup": group,
        "projectuserobjectpermission": ProjectUserObjectPermission.objects.exclude(
            user=project.created_by
        ).get(),
        "projectgroupobjectpermission": ProjectGroupObjectPermission.objects.get(),
    }


@pytest.mark.parametrize(
    ("app", "model"),
    [
        ("collaboration", "comment"),
        ("collaboration", "usergroup"),
        ("projects", "projectuserobjectpermission"),
        ("projects", "projectgroupobjectpermission"),
    ],
)
def test_changelist_and_change_pages_render(app, model, staff_client, objects):
    changelist = staff_client.get(reverse(f"admin:{app}_{model}_changelist"))
    change = staff_client.get(reverse(f"admin:{app}_{model}_change", args=[objects[model].pk]))

    assert (changelist.status_code, change.status_code) == (200, 200)


def test_a_group_made_in_the_admin_goes_through_the_service(staff_client, org):
    response = staff_client.post(
        reverse("admin:collaboration_usergroup_add"), {"organization": org.pk, "name": "QA"}
    )

    assert response.status_code == 302, response.content
    group = UserGroup.objects.get()
    assert group.group_id is not None
    assert AuditEvent.objects.filter(event_type="USER_GROUP_CREATED").exists()


def test_deleting_a_comment_in_the_admin_records_the_event(staff_client, objects):
    comment = objects["comment"]

    response = staff_client.post(
        reverse("admin:collaboration_comment_delete", args=[comment.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Comment.objects.exists()
    assert AuditEvent.objects.filter(event_type="COMMENT_DELETED").exists()


def test_revoking_a_grant_in_the_admin_records_the_event(staff_client, objects):
    grant_row = objects["projectuserobjectpermission"]

    staff_client.post(
        reverse("admin:projects_projectuserobjectpermission_delete", args=[grant_row.pk]),
        {"post": "yes"},
    )

    assert not ProjectUserObjectPermission.objects.filter(pk=grant_row.pk).exists()
    assert AuditEvent.objects.filter(event_type="USER_UNLINKED").exists()


def test_a_group_page_shows_its_history(staff_client, objects):
    group = objects["usergroup"]

    response = staff_client.get(reverse("admin:collaboration_usergroup_change", args=[group.pk]))

    assert "User group created" in response.content.decode()
    assert "User group member added" in response.content.decode()
