"""Trash, restore, permanent delete and purge (SPEC §10, §4, §13): batches with their
sub-projects, exact round trips, fresh slugs, credentials that stop authenticating, files
removed from storage, and the role matrix."""

from datetime import timedelta

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.models import AuditEvent
from backoffice.roles import Role
from collaboration.services import comment_create
from credentials.services import credential_authenticate, credential_create
from projects.models import Project
from projects.services import (
    project_activate,
    project_assign,
    project_grant_set,
    project_purge,
    project_restore,
    project_trash,
)
from shares.services import channel_publish, share_upsert
from tests.conftest import PRINCIPALS
from tests.projects.factories import make_project
from tests.projects.test_api import assert_problem
from tests.templates.helpers import make_template, stored_files

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def family(org):
    """A parent with a child and a grandchild."""
    parent = make_project(org, name="Parent")
    child = project_assign(actor=SYSTEM, project=make_project(org, name="Child"), parent=parent)
    grandchild = project_assign(
        actor=SYSTEM, project=make_project(org, name="Grandchild"), parent=child
    )
    return parent, child, grandchild


def age(projects, days: int) -> None:
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(
        trashed_at=timezone.now() - timedelta(days=days)
    )


# Trash and restore -------------------------------------------------------------------------


def test_trash_takes_the_sub_projects_in_one_batch(users, client_for, org):
    parent, child, grandchild = family(org)
    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{parent.pk}/trash")
    assert response.status_code == 200, response.content
    rows = Project.objects.filter(pk__in=[parent.pk, child.pk, grandchild.pk])
    assert {row.trashed_at for row in rows} == {rows[0].trashed_at}
    assert len({row.trash_batch for row in rows}) == 1
    assert rows[0].trash_batch is not None
    assert AuditEvent.objects.filter(event_type="PROJECT_TRASHED").count() == 3


def test_trashed_projects_leave_lists_but_appear_in_the_trash(users, client_for, org):
    parent, child, _ = family(org)
    keep = make_project(org, name="Keep")
    project_trash(actor=SYSTEM, project=parent)
    client = client_for(users["Viewer"])
    live = client.get("/api/Projects").json()
    assert [item["id"] for item in live["items"]] == [str(keep.pk)]
    trash = client.get("/api/Projects?trashed=true").json()
    assert len(trash["items"]) == 3
    assert client.get(f"/api/Projects/{parent.pk}").status_code == 404
    assert client.get(f"/api/Projects/{parent.pk}?trashed=true").status_code == 200
    assert client.get(f"/api/Projects/{child.pk}/comments").status_code == 404
    assert client.get(f"/api/Projects/{parent.pk}/templates").status_code == 404


def test_trashed_credential_stops_authenticating_and_comes_back(org):
    project = make_project(org)
    created = credential_create(actor=SYSTEM, project=project, name="site")
    key = created.credential.api_key
    assert credential_authenticate(key, created.secret) is not None
    project_trash(actor=SYSTEM, project=project)
    assert credential_authenticate(key, created.secret) is None
    project_restore(actor=SYSTEM, project=project)
    assert credential_authenticate(key, created.secret) is not None


def test_credential_of_a_trashed_sub_project_stops_too(org):
    parent, child, _ = family(org)
    created = credential_create(actor=SYSTEM, project=child, name="site")
    project_trash(actor=SYSTEM, project=parent)
    assert credential_authenticate(created.credential.api_key, created.secret) is None


def unsigned(data):
    """The data with signed file URLs (their signature carries a timestamp) made constant."""
    if isinstance(data, dict):
        return {key: unsigned(value) for key, value in data.items()}
    if isinstance(data, list):
        return [unsigned(value) for value in data]
    if isinstance(data, str) and "/api/files/" in data:
        return "<signed file url>"
    return data


def snapshot(client, project) -> dict:
    base = f"/api/Projects/{project.pk}"
    paths = {
        "detail": base,
        "templates": f"{base}/templates",
        "channels": f"{base}/distribution-channels",
        "shares": f"{base}/public-video-shares",
        "comments": f"{base}/comments",
        "members": f"{base}/members",
        "subprojects": f"{base}/subprojects",
        "credentials": f"/api/credentials?projectId={project.pk}",
    }
    out = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.content)
        out[name] = unsigned(response.json())
    return out


def test_trash_then_restore_gives_back_exactly_the_same_project(users, client_for, org):
    admin = users["OrganizationAdmin"]
    actor = Actor.for_user(admin)
    parent, child, _ = family(org)
    project_activate(actor=actor, project=parent)
    template = make_template(parent, admin)
    channel_publish(actor=actor, project=parent, channel="DEV", template_id=template.pk)
    share_upsert(actor=actor, project=parent, channel="DEV", fields={"public_title": "Hola"})
    credential_create(actor=actor, project=parent, name="site")
    comment_create(actor=actor, project=parent, message="Looks great")
    project_grant_set(actor=actor, project=parent, role=Role.DEVELOPER, user=users["Viewer"])
    client = client_for(admin)
    before = snapshot(client, parent)

    assert client.post(f"/api/Projects/{parent.pk}/trash").status_code == 200
    assert client.get(f"/api/Projects/{parent.pk}").status_code == 404
    response = client.post(f"/api/Projects/{parent.pk}/restore")
    assert response.status_code == 200, response.content

    assert snapshot(client, parent) == before
    assert Project.objects.filter(trashed_at__isnull=False).count() == 0
    assert before["subprojects"]["items"][0]["id"] == str(child.pk)
    assert AuditEvent.objects.filter(event_type="PROJECT_RESTORED").count() == 3


def test_restore_brings_back_only_what_was_trashed_together(org):
    parent, child, grandchild = family(org)
    project_trash(actor=SYSTEM, project=grandchild)  # an earlier, separate batch
    project_trash(actor=SYSTEM, project=parent)
    project_restore(actor=SYSTEM, project=parent)
    assert Project.objects.get(pk=child.pk).trashed_at is None
    assert Project.objects.get(pk=grandchild.pk).trashed_at is not None
    restored = project_restore(actor=SYSTEM, project=grandchild)
    assert restored.parent_id == child.pk


def test_restoring_a_sub_project_of_a_batch_is_refused(users, client_for, org):
    parent, child, _ = family(org)
    project_trash(actor=SYSTEM, project=parent)
    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{child.pk}/restore")
    assert_problem(response, 400, "invalid_request")


def test_restore_of_a_live_project_is_400(users, client_for, org):
    project = make_project(org)
    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/restore")
    assert_problem(response, 400, "invalid_request")


def test_trash_of_a_trashed_project_is_400(users, client_for, org):
    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/trash")
    assert_problem(response, 400, "invalid_request")


def test_restore_into_a_taken_slug_gets_a_fresh_slug(users, client_for, org):
    old = make_project(org, name="Campaign")
    project_trash(actor=SYSTEM, project=old)
    make_project(org, name="Campaign")  # takes "campaign" while the old one is in the trash
    make_project(org, name="Campaign 2")  # and "campaign-2"
    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{old.pk}/restore")
    assert response.status_code == 200, response.content
    assert response.json()["slug"] == "campaign-3"
    event = AuditEvent.objects.get(event_type="PROJECT_RESTORED", project_id=old.pk)
    assert event.changes["slug"] == {"before": "campaign", "after": "campaign-3"}


def test_restore_under_a_parent_still_in_the_trash_comes_back_at_the_top(org):
    parent, child, _ = family(org)
    project_trash(actor=SYSTEM, project=child)
    project_trash(actor=SYSTEM, project=parent)
    restored = project_restore(actor=SYSTEM, project=child)
    assert restored.parent_id is None


# Permanent delete and purge ----------------------------------------------------------------


def test_delete_removes_rows_and_stored_files(
    users, client_for, org, media_root, django_capture_on_commit_callbacks
):
    project = make_project(org)
    make_template(project)
    assert stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{project.pk}")
    assert response.status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()
    assert stored_files(media_root) == []


def test_delete_reaches_a_trashed_project(users, client_for, org):
    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{project.pk}")
    assert response.status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()


def test_purge_removes_old_batches_with_their_files_and_keeps_younger_trash(
    org, media_root, capsys, django_capture_on_commit_callbacks
):
    parent, child, grandchild = family(org)
    make_template(child)
    young = make_project(org, name="Young")
    make_template(young, name="Young template")
    live = make_project(org, name="Live")
    project_trash(actor=SYSTEM, project=parent)
    project_trash(actor=SYSTEM, project=young)
    age([parent, child, grandchild], days=20)
    age([young], days=3)
    files_before = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_trash")

    out = capsys.readouterr().out
    assert "Purged 3 projects in 1 batch" in out
    assert "[##############################] 1/1" in out
    assert set(Project.objects.values_list("pk", flat=True)) == {young.pk, live.pk}
    remaining = stored_files(media_root)
    assert remaining
    assert len(remaining) < len(files_before)
    assert all(f"/projects/{young.pk}/" in str(path) for path in remaining)
    assert AuditEvent.objects.filter(event_type="PROJECT_PURGED", actor_kind="system").count() == 3


def test_purge_older_than_option(org):
    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    age([project], days=3)
    call_command("purge_trash", "--older-than", "2")
    assert not Project.objects.filter(pk=project.pk).exists()


def test_purge_dry_run_changes_nothing(org, media_root, capsys):
    project = make_project(org)
    make_template(project)
    project_trash(actor=SYSTEM, project=project)
    age([project], days=30)
    files = stored_files(media_root)
    call_command("purge_trash", "--dry-run")
    out = capsys.readouterr().out
    assert "Would purge 1 project in" in out
    assert Project.objects.filter(pk=project.pk).exists()
    assert stored_files(media_root) == files
    assert not AuditEvent.objects.filter(event_type="PROJECT_PURGED").exists()


def test_purge_keeps_a_batch_with_a_production_template(org, capsys):
    project = make_project(org)
    project_activate(actor=SYSTEM, project=project)
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    project_trash(actor=SYSTEM, project=project)
    age([project], days=30)
    other = make_project(org, name="Old and done")
    project_trash(actor=SYSTEM, project=other)
    age([other], days=30)

    with pytest.raises(CommandError, match="1 batch stayed in the trash") as refused:
        call_command("purge_trash")
    # Nothing of a project in the trash can be unpublished: it must be restored first.
    assert "restore the project" in str(refused.value)

    captured = capsys.readouterr()
    assert "1 batch skipped" in captured.out
    assert "Production" in captured.err
    assert Project.objects.filter(pk=project.pk).exists()
    assert not Project.objects.filter(pk=other.pk).exists()  # the rest is purged first


def test_purge_exits_with_status_1_when_it_skipped_something(org):
    project = make_project(org)
    project_activate(actor=SYSTEM, project=project)
    template = make_template(project)
    channel_publish(actor=SYSTEM, project=project, channel="PROD", template_id=template.pk)
    project_trash(actor=SYSTEM, project=project)
    age([project], days=30)

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "purge_trash"])

    assert exit_.value.code == 1


def test_purge_draws_one_bar_in_a_log_not_a_line_per_batch(org, capsys):
    for number in range(25):
        project = make_project(org, name=f"Batch {number}")
        project_trash(actor=SYSTEM, project=project)
        age([project], days=30)

    call_command("purge_trash")

    bars = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert len(bars) <= 10
    assert bars[-1] == "[" + "#" * 30 + "] 25/25"
    assert not any("Batch" in line for line in bars)


def test_purge_passes_over_a_batch_already_gone(org):
    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    stale = Project.objects.get(pk=project.pk)
    Project.objects.filter(pk=project.pk).delete()
    outcome = project_purge(actor=SYSTEM, root=stale)
    assert outcome.skipped


def test_purge_rejects_a_negative_age():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("purge_trash", "--older-than", "-1")


@pytest.mark.parametrize("days", ["3000000", "100000000000", "36501"])
def test_purge_rejects_a_huge_age(org, days):
    from django.core.management.base import CommandError

    project = make_project(org)
    project_trash(actor=SYSTEM, project=project)
    # Was an OverflowError traceback.
    with pytest.raises(CommandError, match="--older-than must be from 0 to 36500 days"):
        call_command("purge_trash", "--older-than", days)
    assert Project.objects.filter(pk=project.pk).exists()


# Role matrix -------------------------------------------------------------------------------

#              Viewer Dev  PM  Admin Owner other anon
MATRIX = {
    "trash": (403, 403, 403, 200, 200, 404, 401),
    "restore": (403, 403, 403, 200, 200, 404, 401),
    "trash_list": (200, 200, 200, 200, 200, 200, 401),
    "trash_detail": (200, 200, 200, 200, 200, 404, 401),
}


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix(client_as, org, endpoint, who):
    project = make_project(org)
    if endpoint != "trash":
        project_trash(actor=SYSTEM, project=project)
    client = client_as(who)
    method, path = {
        "trash": ("post", f"/api/Projects/{project.pk}/trash"),
        "restore": ("post", f"/api/Projects/{project.pk}/restore"),
        "trash_list": ("get", "/api/Projects?trashed=true"),
        "trash_detail": ("get", f"/api/Projects/{project.pk}?trashed=true"),
    }[endpoint]
    response = getattr(client, method)(path)
    expected = MATRIX[endpoint][PRINCIPALS.index(who)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        code = {401: "unauthenticated", 403: "insufficient_role", 404: "not_found"}[expected]
        assert_problem(response, expected, code)
    if endpoint == "trash_list" and who == "other":
        assert response.json()["items"] == []


# Admin -------------------------------------------------------------------------------------


def test_admin_trash_and_restore_actions_go_through_the_services(client, org):
    from django.urls import reverse

    from tests.backoffice.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    parent, child, _ = family(org)
    url = reverse("admin:projects_project_changelist")
    confirmation = client.post(url, {"action": "trash", "_selected_action": [parent.pk]})
    assert confirmation.status_code == 200
    assert Project.objects.trashed().count() == 0  # nothing happens before it is confirmed
    assert "Its 2 sub-projects go with it." in confirmation.content.decode()
    response = client.post(url, {"action": "trash", "_selected_action": [parent.pk], "post": "yes"})
    assert response.status_code == 302
    assert Project.objects.trashed().count() == 3
    assert client.get(f"{url}?trashed=yes").status_code == 200
    trash = f"{url}?trashed=yes"  # the list shows live projects unless asked for the trash
    response = client.post(trash, {"action": "restore", "_selected_action": [parent.pk]})
    assert response.status_code == 302
    assert Project.objects.trashed().count() == 0
    assert AuditEvent.objects.filter(event_type="PROJECT_RESTORED").count() == 3
    assert child.pk


@pytest.mark.parametrize("value", ["maybe", "yes", "1", "True", ""])
def test_trashed_takes_only_true_or_false(users, client_for, org, value):
    """The schema declares a boolean: "maybe" listed the live projects as if it were false."""
    make_project(org)
    response = client_for(users["Viewer"]).get("/api/Projects", {"trashed": value})
    body = assert_problem(response, 400, "invalid_request")
    assert body["errors"] == {"trashed": ["Must be true or false."]}


def test_trash_and_restore_events_write_times_in_utc_with_z(users, client_for, org):
    """As every time of the API and of a share's ``expiresAt`` change (was ``+00:00``)."""
    project = make_project(org)
    client = client_for(users["OrganizationAdmin"])
    assert client.post(f"/api/Projects/{project.pk}/trash").status_code == 200
    assert client.post(f"/api/Projects/{project.pk}/restore").status_code == 200
    response = client.get(
        f"/api/Organizations/{org.pk}/audit-events", {"projectId": str(project.pk)}
    )
    assert response.status_code == 200, response.content
    times = [
        event["changes"]["trashedAt"]
        for event in response.json()["items"]
        if event["eventType"] in ("PROJECT_TRASHED", "PROJECT_RESTORED")
    ]
    values = [value for change in times for value in change.values() if value is not None]
    assert len(values) == 2
    assert all(value.endswith("Z") and "+00:00" not in value for value in values), values
