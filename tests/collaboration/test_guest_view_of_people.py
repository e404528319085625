"""What a guest sees of the host organization's people (SPEC §16): ``{id, displayName}``,
with no e-mail, organization role, status or token prefix — in members, all-users, comments
and history. The host's own members keep seeing everything."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from backoffice.roles import Role
from tests.backoffice.factories import MembershipFactory, member
from tests.collaboration.factories import grant, make_comment, make_group
from tests.conftest import Client
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

ORG_ROLES = ("Viewer", "Developer", "ProjectManager", "OrganizationAdmin")


@pytest.fixture
def host(org, other_org):
    """A project of ``org`` with a creator, an admin, a group, a comment mentioning a member,
    a change made with a personal token; and a guest from ``other_org`` with a grant."""
    admin = member(org, Role.ORGANIZATION_ADMIN, email="ana.admin@banco.example")
    creator = member(org, Role.PROJECT_MANAGER, email="pablo.pm@banco.example")
    designer = member(org, Role.VIEWER, email="dora.design@banco.example", display_name="")
    project = make_project(org, creator=creator, name="Cards Q3")
    grant(project, Role.DEVELOPER, user=designer)
    make_group(org, users=[designer])
    guest = member(other_org, Role.VIEWER, email="guest@agency.example")
    grant(project, Role.VIEWER, user=guest)
    make_comment(project, creator, "Ask @dora.design@banco.example about the intro")
    by_token = Client(admin)  # a personal token: its prefix is in the event's actor label
    response = by_token.patch(
        f"/api/Projects/{project.pk}", {"description": "Brief"}, format="json"
    )
    assert response.status_code == 200, response.content
    return {
        "project": project,
        "admin": admin,
        "creator": creator,
        "designer": designer,
        "guest": guest,
        "emails": [admin.email, creator.email, designer.email],
    }


def get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def assert_nothing_private(body, host) -> None:
    text = json.dumps(body)
    for email in host["emails"]:
        assert email not in text
    assert "@banco.example" not in text
    assert "pbt_" not in text


def test_a_guest_sees_members_as_id_and_display_name(host):
    body = get(Client(host["guest"]), f"/api/Projects/{host['project'].pk}/members")

    assert body
    assert all(set(row) == {"userId", "displayName"} for row in body)
    assert {row["userId"] for row in body} >= {str(host["designer"].pk), str(host["guest"].pk)}
    assert_nothing_private(body, host)


def test_a_guest_sees_all_users_as_id_and_display_name(host):
    body = get(Client(host["guest"]), f"/api/Projects/{host['project'].pk}/all-users")

    assert all(set(row) == {"userId", "displayName"} for row in body)
    assert str(host["admin"].pk) in {row["userId"] for row in body}
    text = json.dumps(body)
    assert not any(role in text for role in ORG_ROLES)
    assert "Designers" not in text  # the host's group names are not shown either
    assert_nothing_private(body, host)


def test_a_guest_sees_comment_authors_and_mentions_as_id_and_display_name(host):
    project = host["project"]
    [comment] = get(Client(host["guest"]), f"/api/Projects/{project.pk}/comments")["items"]

    assert comment["author"] == {
        "id": str(host["creator"].pk),
        "displayName": host["creator"].display_name,
    }
    assert comment["mentionedUsers"] == [
        {"id": str(host["designer"].pk), "displayName": "Unnamed user"}
    ]
    assert comment["message"] == "Ask @Unnamed user about the intro"
    one = get(Client(host["guest"]), f"/api/Projects/{project.pk}/comments/{comment['id']}")
    assert set(one["author"]) == {"id", "displayName"}


def test_a_guests_own_comment_shows_them_the_same_way(host):
    client = Client(host["guest"])
    response = client.post(
        f"/api/Projects/{host['project'].pk}/comments", {"message": "Thanks"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert set(response.json()["author"]) == {"id", "displayName"}


def test_a_guest_sees_the_people_of_the_history_by_display_name(host):
    items = get(Client(host["guest"]), f"/api/Projects/{host['project'].pk}/history")["items"]

    assert_nothing_private(items, host)
    by_type = {item["eventType"]: item for item in items}
    updated = by_type["PROJECT_UPDATED"]
    assert updated["actor"] == {
        "kind": "token",
        "id": None,
        "label": host["admin"].display_name,
        "userId": str(host["admin"].pk),
    }
    linked = [item for item in items if item["eventType"] == "USER_LINKED"]
    labels = {t["label"] for item in linked for t in item["targets"] if t["type"] == "user"}
    assert labels == {"Unnamed user", host["guest"].display_name}


def test_the_hosts_members_still_see_e_mails(host):
    client = Client(host["designer"])
    base = f"/api/Projects/{host['project'].pk}"

    members = get(client, f"{base}/members")
    assert {row["email"] for row in members} >= {host["designer"].email}
    audience = get(client, f"{base}/all-users")
    assert {"email", "role", "organizationRole", "reasons"} <= set(audience[0])
    [comment] = get(client, f"{base}/comments")["items"]
    assert comment["author"]["email"] == host["creator"].email
    history = get(client, f"{base}/history")["items"]
    assert any("pbt_" in item["actor"]["label"] for item in history)


def test_a_guest_reads_the_history_in_a_constant_number_of_queries(host, users):
    project = host["project"]
    client = Client(host["guest"])
    url = f"/api/Projects/{project.pk}/history"
    client.get(url)  # warm up the token's last-used write

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for n in range(6):
        make_comment(project, member(project.organization, Role.VIEWER), f"note {n}")
    assert queries() == before


def test_someone_of_both_organizations_is_no_guest(host, org, other_org):
    """A member of the host who is also a guest elsewhere is shown everything here."""
    both = member(other_org, Role.VIEWER)
    MembershipFactory(user=both, organization=org, role=Role.VIEWER)
    body = get(Client(both), f"/api/Projects/{host['project'].pk}/members")
    assert all("email" in row for row in body)


def test_the_owner_is_no_guest(host, users):
    body = get(Client(users["Owner"]), f"/api/Projects/{host['project'].pk}/all-users")
    assert all("email" in row for row in body)


def test_a_guests_mentions_tell_them_nothing_about_who_exists(host):
    """A guest typing a host member's e-mail learns no more than typing an unknown one."""
    client = Client(host["guest"])
    base = f"/api/Projects/{host['project'].pk}"

    answers = [
        client.post(f"{base}/comments", {"message": f"Hi @{email}"}, format="json").json()
        for email in (host["designer"].email, "nobody@banco.example")
    ]

    assert [(a["message"], a["mentionedUsers"]) for a in answers] == [("Hi @someone", [])] * 2
    history = get(client, f"{base}/history")["items"]
    assert_nothing_private(history, host)
    messages = [
        i["changes"]["message"]["after"] for i in history if i["eventType"] == "COMMENT_ADDED"
    ]
    assert messages[:2] == ["Hi @someone", "Hi @someone"]
    assert "Ask @Unnamed user about the intro" in messages  # a member's mention, by name
    # The host's members read what the guest wrote.
    [mine, _] = get(Client(host["creator"]), f"{base}/comments")["items"][:2]
    assert mine["message"] == "Hi @nobody@banco.example"


def test_a_guest_reads_the_project_and_what_it_holds_without_host_e_mails(host):
    """The creators and publishers of the project, its templates, channels, shares and
    credentials are named without e-mails to a guest (a host member sees them)."""
    from credentials.services import credential_create
    from shares.services import channel_publish, share_upsert
    from tests.templates.helpers import make_template

    project, creator = host["project"], host["creator"]
    creator.display_name = ""  # the e-mail would be the fallback name
    creator.save(update_fields=["display_name"])
    actor = Actor.for_user(creator)
    template = make_template(project, creator)
    channel_publish(actor=actor, project=project, channel="DEV", template_id=template.pk)
    share_upsert(actor=actor, project=project, channel="DEV", fields={"public_title": "Offer"})
    credential_create(actor=actor, project=project, name="CRM")
    base = f"/api/Projects/{project.pk}"
    reads = [
        base,
        "/api/Projects",
        f"{base}/templates",
        f"{base}/templates/{template.pk}",
        f"{base}/distribution-channels",
        f"{base}/public-video-shares",
        f"/api/credentials?projectId={project.pk}",
    ]

    guest, member_client = Client(host["guest"]), Client(host["designer"])
    for url in reads:
        response = guest.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        assert creator.email not in response.content.decode(), url
    assert creator.email in member_client.get(base).content.decode()


def test_a_guest_reads_a_person_without_a_display_name_as_unnamed_user(host):
    """As every ``…ByName`` and the comment text (``@Unnamed user``) name them."""
    project, designer = host["project"], host["designer"]
    guest = Client(host["guest"])
    for tail in ("members", "all-users"):
        rows = get(guest, f"/api/Projects/{project.pk}/{tail}")
        names = {row["userId"]: row["displayName"] for row in rows}
        assert names[str(designer.pk)] == "Unnamed user", tail
    comments = get(guest, f"/api/Projects/{project.pk}/comments")["items"]
    (comment,) = comments
    assert "@Unnamed user" in comment["message"]
    assert [person["displayName"] for person in comment["mentionedUsers"]] == ["Unnamed user"]
    # The host's members keep the real (empty) value beside the e-mail.
    rows = get(Client(host["admin"]), f"/api/Projects/{project.pk}/members")
    assert {row["displayName"] for row in rows if row["userId"] == str(designer.pk)} == {""}
