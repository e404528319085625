"""Comments (SPEC §9): author-only edits, deletion rights, mentions, archived projects,
cursor paging, ``commentCount`` and query counts."""

import pytest

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from collaboration.models import Comment
from projects.constants import Visibility
from projects.services import project_archive
from tests.backoffice.factories import member
from tests.collaboration.conftest import assert_problem
from tests.collaboration.factories import grant, make_comment
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def comments_url(project, comment=None) -> str:
    base = f"/api/Projects/{project.pk}/comments"
    return f"{base}/{comment.pk}" if comment else base


def test_creating_a_comment_returns_it_and_records_the_event(users, client_for, project):
    viewer = users["Viewer"]

    response = client_for(viewer).post(
        comments_url(project), {"message": "  Love the intro  "}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "Love the intro"
    assert body["author"]["id"] == str(viewer.pk)
    assert (body["edited"], body["mentionedUsers"], body["projectId"]) == (
        False,
        [],
        str(project.pk),
    )
    event = AuditEvent.objects.get(event_type="COMMENT_ADDED")
    assert (event.project_id, event.actor_user) == (project.pk, viewer)


@pytest.mark.parametrize("message", ["", "   ", "x" * 10_001], ids=["empty", "blank", "too-long"])
def test_the_message_must_have_1_to_10000_characters(message, users, client_for, project):
    response = client_for(users["Viewer"]).post(
        comments_url(project), {"message": message}, format="json"
    )

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"message"}
    assert not Comment.objects.exists()


def test_a_message_of_10000_characters_is_accepted(users, client_for, project):
    response = client_for(users["Viewer"]).post(
        comments_url(project), {"message": "x" * 10_000}, format="json"
    )

    assert response.status_code == 201


def test_only_the_author_edits_and_the_comment_becomes_edited(users, client_for, project):
    author = users["Developer"]
    comment = make_comment(project, author, "First take")

    by_admin = client_for(users["OrganizationAdmin"]).patch(
        comments_url(project, comment), {"message": "Hijacked"}, format="json"
    )
    by_author = client_for(author).patch(
        comments_url(project, comment), {"message": "Second take"}, format="json"
    )

    assert_problem(by_admin, 403, "insufficient_role")
    assert by_author.status_code == 200
    assert (by_author.json()["message"], by_author.json()["edited"]) == ("Second take", True)
    event = AuditEvent.objects.get(event_type="COMMENT_EDITED")
    assert event.changes == {"message": {"before": "First take", "after": "Second take"}}


def test_the_author_deletes_their_comment(users, client_for, project):
    author = users["Viewer"]
    comment = make_comment(project, author)

    response = client_for(author).delete(comments_url(project, comment))

    assert response.status_code == 204
    assert not Comment.objects.exists()
    assert AuditEvent.objects.filter(event_type="COMMENT_DELETED", project_id=project.pk).exists()


def test_comments_are_allowed_on_archived_projects(users, client_for, project):
    project_archive(actor=Actor.for_user(users["OrganizationAdmin"]), project=project)
    client = client_for(users["Viewer"])

    created = client.post(comments_url(project), {"message": "Post-mortem"}, format="json")
    edited = client.patch(
        comments_url(project, Comment.objects.get()), {"message": "Post mortem"}, format="json"
    )

    assert (created.status_code, edited.status_code) == (201, 200)


def test_a_comment_of_another_project_is_not_found(users, client_for, org, project):
    elsewhere = make_project(org, name="Elsewhere")
    comment = make_comment(elsewhere, users["Viewer"])

    response = client_for(users["Viewer"]).get(comments_url(project, comment))

    assert_problem(response, 404)


# Mentions --------------------------------------------------------------------------------


def test_mentions_of_users_who_see_the_project_are_kept(users, client_for, org, other_org, project):
    colleague = member(org, Role.VIEWER, email="Ana.Perez@banco.example")
    guest = member(other_org, Role.VIEWER, email="guest@partner.example")
    grant(project, Role.VIEWER, user=guest)

    response = client_for(users["Viewer"]).post(
        comments_url(project),
        {"message": "@ana.perez@banco.example and @guest@partner.example, thoughts?"},
        format="json",
    )

    mentioned = {user["id"] for user in response.json()["mentionedUsers"]}
    assert mentioned == {str(colleague.pk), str(guest.pk)}


def test_mentions_of_people_who_cannot_see_the_project_are_ignored(
    users, client_for, org, other_org, other_admin
):
    project = make_project(org, name="Secret", visibility=Visibility.PRIVATE)
    outsider_member = member(org, Role.VIEWER, email="plain@banco.example")  # Private: hidden
    admin = users["OrganizationAdmin"]

    response = client_for(admin).post(
        comments_url(project),
        {
            "message": (
                f"@{other_admin.email} @plain@banco.example @nobody@nowhere.example @{admin.email}"
            )
        },
        format="json",
    )

    assert response.status_code == 201
    assert [user["id"] for user in response.json()["mentionedUsers"]] == [str(admin.pk)]
    assert outsider_member.pk not in {u.pk for u in Comment.objects.get().mentioned_users.all()}


def test_an_edit_reads_the_mentions_again(users, client_for, project):
    author = users["Viewer"]
    comment = make_comment(project, author, f"@{users['Developer'].email} look")

    response = client_for(author).patch(
        comments_url(project, comment),
        {"message": f"@{users['ProjectManager'].email} look"},
        format="json",
    )

    assert [u["id"] for u in response.json()["mentionedUsers"]] == [str(users["ProjectManager"].pk)]


# Paging and counts -----------------------------------------------------------------------


def test_comments_come_newest_first_in_cursor_pages(users, client_for, project):
    for n in range(5):
        make_comment(project, users["Viewer"], f"Comment {n}")
    client = client_for(users["Viewer"])

    first = client.get(comments_url(project) + "?limit=3").json()
    second = client.get(comments_url(project) + f"?limit=3&cursor={first['nextCursor']}").json()

    messages = [c["message"] for c in first["items"] + second["items"]]
    assert messages == [f"Comment {n}" for n in (4, 3, 2, 1, 0)]
    assert set(first) == {"items", "nextCursor"}
    assert second["nextCursor"] is None


def test_an_invalid_cursor_is_a_400(users, client_for, project):
    response = client_for(users["Viewer"]).get(comments_url(project) + "?cursor=nonsense")

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"cursor"}


def test_comment_count_in_the_list_and_the_detail(users, client_for, org, project):
    quiet = make_project(org, name="Quiet")
    for _ in range(3):
        make_comment(project, users["Viewer"])
    client = client_for(users["Viewer"])

    listed = {p["id"]: p["commentCount"] for p in client.get("/api/Projects").json()["items"]}
    detail = client.get(f"/api/Projects/{project.pk}").json()

    assert listed == {str(project.pk): 3, str(quiet.pk): 0}
    assert detail["commentCount"] == 3


def test_comment_count_after_an_update(users, client_for, project):
    make_comment(project, users["Viewer"])

    response = client_for(users["ProjectManager"]).patch(
        f"/api/Projects/{project.pk}", {"description": "New"}, format="json"
    )

    assert response.json()["commentCount"] == 1


# Measured on PostgreSQL: token look-up, token last-used update, the caller's memberships,
# the project (visibility EXISTS), the caller's grants on it, the page, the mentions prefetch.
COMMENT_LIST_QUERIES = 7


@pytest.mark.parametrize("count", [3, 40])
def test_comment_list_query_count_is_constant(
    count, users, client_for, project, django_assert_num_queries
):
    viewer = users["Viewer"]
    for n in range(count):
        make_comment(project, users["Developer"], f"@{viewer.email} number {n}")
    client = client_for(viewer)

    with django_assert_num_queries(COMMENT_LIST_QUERIES):
        response = client.get(comments_url(project) + "?limit=200")

    assert len(response.json()["items"]) == count


# The list of tests/projects (5 queries) is unchanged: the count is a subquery of the page.
PROJECT_LIST_QUERIES = 5


@pytest.mark.parametrize("count", [3, 30])
def test_comment_count_adds_no_query_to_the_project_list(
    count, users, client_for, org, django_assert_num_queries
):
    for n in range(count):
        project = make_project(org, name=f"Campaign {n}")
        make_comment(project, users["Viewer"])
        make_comment(project, users["Viewer"])
    client = client_for(users["Viewer"])

    with django_assert_num_queries(PROJECT_LIST_QUERIES):
        response = client.get("/api/Projects?limit=200")

    assert {p["commentCount"] for p in response.json()["items"]} == {2}
