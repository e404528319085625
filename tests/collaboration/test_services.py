"""The collaboration services on their own: rules that hold whatever calls them."""

import pytest

from backoffice.actors import Actor
from backoffice.errors import Conflict
from backoffice.models import AuditEvent, User
from backoffice.roles import Role
from backoffice.services import member_deactivate
from collaboration import services
from collaboration.selectors import project_audience
from projects.services import project_archive, project_set_visibility
from tests.backoffice.factories import member
from tests.collaboration.factories import grant, make_comment, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(users):
    return Actor.for_user(users["OrganizationAdmin"])


def test_inviting_a_pending_guest_twice_sends_the_same_invitation_again(actor, project):
    first = services.guest_invite(actor=actor, project=project, email="late@agency.example")
    again = services.guest_invite(actor=actor, project=project, email="LATE@agency.example")

    assert again.pk == first.pk
    assert again.sent_count == 2
    assert User.objects.filter(email__iexact="late@agency.example").count() == 1


def test_an_invitation_records_the_guest_event_and_no_grant_yet(actor, project):
    invitation = services.guest_invite(actor=actor, project=project, email="g@agency.example")

    types = set(
        AuditEvent.objects.filter(project_id=project.pk).values_list("event_type", flat=True)
    )
    assert "GUEST_INVITED" in types
    assert "USER_LINKED" not in types
    assert project.role_for(invitation.user) is None


def test_a_deactivated_member_leaves_the_audience_with_their_grants(actor, org, project):
    viewer = member(org, Role.VIEWER)
    grant(project, Role.PROJECT_MANAGER, user=viewer)
    group = make_group(org, "Leads", users=[viewer])
    grant(project, Role.DEVELOPER, group=group.group)

    member_deactivate(actor=actor, membership=viewer.memberships.get())

    assert viewer.pk not in {entry.user.pk for entry in project_audience(project)}
    assert project.role_for(viewer) is None


def test_a_moderator_deletes_but_never_edits_someone_elses_comment(actor, users, project):
    comment = make_comment(project, users["Viewer"])

    with pytest.raises(services.Forbidden):
        services.comment_edit(actor=actor, comment=comment, message="Rewritten")
    services.comment_delete(actor=actor, comment=comment)

    assert not project.comments.exists()


def test_the_visibility_of_an_archived_project_cannot_change(actor, project):
    project_archive(actor=actor, project=project)

    with pytest.raises(Conflict):
        project_set_visibility(actor=actor, project=project, visibility="Private")


def test_a_group_rename_keeps_names_unique(actor, org):
    make_group(org, "Designers")
    other = make_group(org, "Writers")

    with pytest.raises(Conflict):
        services.user_group_rename(actor=actor, user_group=other, name="DESIGNERS")
    renamed = services.user_group_rename(actor=actor, user_group=other, name="Copywriters")

    assert renamed.name == "Copywriters"
    assert AuditEvent.objects.filter(event_type="USER_GROUP_RENAMED").count() == 1
