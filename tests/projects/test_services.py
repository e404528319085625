"""Project services: slugs, tags, lifecycle, the archive signal, deletion guards and the
audit events written with every change."""

import pytest
from django.db import connection

from backoffice.actors import Actor
from backoffice.errors import Conflict, InvalidRequest, InvalidTransition
from backoffice.models import AuditEvent
from backoffice.roles import Role
from projects import signals
from projects.constants import Status, Visibility, grant_codename
from projects.models import Project
from projects.services import (
    project_activate,
    project_archive,
    project_create,
    project_delete,
    project_grant_set,
    project_update,
)
from tests.backoffice.factories import member
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(users):
    return users["OrganizationAdmin"]


@pytest.fixture
def actor(admin):
    return Actor.for_user(admin)


def events(project: Project, event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(project_id=project.pk, event_type=event_type))


# Slugs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Crédito Pre-Aprobado Q2", "credito-pre-aprobado-q2"),
        ("  Seguro   Auto!! 2025 ", "seguro-auto-2025"),
        ("Ñandú & Cía.", "nandu-cia"),
        ("Tarjeta_Oro", "tarjeta_oro"),
        ("¡¿!?", "project"),
        ("信用卡", "project"),
    ],
)
def test_the_slug_is_derived_from_the_name(name, slug, org):
    assert make_project(org, name=name).slug == slug


def test_a_long_name_gives_a_bounded_slug(org):
    project = make_project(org, name="Campaña " + "x" * 247)

    assert len(project.name) == 255
    assert len(project.slug) <= 250
    assert not project.slug.endswith("-")


def test_slug_collisions_get_a_numeric_suffix(org):
    slugs = [make_project(org, name="Crédito Pre-Aprobado Q2").slug for _ in range(3)]

    assert slugs == [
        "credito-pre-aprobado-q2",
        "credito-pre-aprobado-q2-2",
        "credito-pre-aprobado-q2-3",
    ]


def test_a_suffix_already_taken_by_another_name_is_skipped(org):
    make_project(org, name="Credito 2")
    make_project(org, name="Credito")

    assert make_project(org, name="Credito").slug == "credito-3"


def test_slugs_are_unique_per_organization_only(org, other_org):
    assert make_project(org, name="Seguro").slug == make_project(other_org, name="Seguro").slug


def test_the_slug_stays_on_rename(org, actor):
    project = make_project(org, name="Crédito Pre-Aprobado Q2")

    project = project_update(actor=actor, project=project, name="Seguro Auto")

    project.refresh_from_db()
    assert (project.name, project.slug) == ("Seguro Auto", "credito-pre-aprobado-q2")
    # The old name's slug stays taken; a new project with that name gets a suffix.
    assert make_project(org, name="Crédito Pre-Aprobado Q2").slug == "credito-pre-aprobado-q2-2"


def test_a_deleted_projects_slug_is_free_again(org, actor):
    project_delete(actor=actor, project=make_project(org, name="Seguro"))

    assert make_project(org, name="Seguro").slug == "seguro"


# Fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "stored"),
    [
        (["Q2", "q2", "Cards"], ["q2", "cards"]),
        ([" Retail ", "RETAIL", "retail"], ["retail"]),
        (["", "  ", "b", "A", "b"], ["b", "a"]),
        ([], []),
        (None, []),
    ],
)
def test_tags_are_stored_lower_case_and_de_duplicated(tags, stored, org, actor):
    project = make_project(org, tags=tags)
    assert Project.objects.get(pk=project.pk).tags == stored

    project_update(actor=actor, project=project, tags=tags or [])
    assert Project.objects.get(pk=project.pk).tags == stored


def test_the_name_is_trimmed(org, actor):
    project = make_project(org, name="  Seguro  ")
    assert project.name == "Seguro"

    project = project_update(actor=actor, project=project, name=" Seguro Auto ")
    assert Project.objects.get(pk=project.pk).name == "Seguro Auto"


def test_a_project_starts_as_a_draft_of_its_creator(org, admin, actor):
    project = project_create(actor=actor, organization=org, name="Seguro")

    assert (project.status, project.visibility, project.created_by) == (
        Status.DRAFT,
        Visibility.ORGANIZATION,
        admin,
    )
    assert project.archived_at is None


def test_only_editable_fields_can_be_updated(org, actor):
    project = make_project(org)

    with pytest.raises(TypeError):
        project_update(actor=actor, project=project, status=Status.ACTIVE)
    with pytest.raises(TypeError):
        project_update(actor=actor, project=project, slug="hijack")


def test_the_locale_falls_back_to_the_organization(org, actor):
    project = make_project(org)
    assert project.effective_locale == "es-CL"

    project = project_update(actor=actor, project=project, locale="pt-BR")
    assert project.effective_locale == "pt-BR"


# Lifecycle -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "end"),
    [
        (["activate"], Status.ACTIVE),
        (["archive"], Status.ARCHIVED),
        (["activate", "archive"], Status.ARCHIVED),
    ],
)
def test_allowed_transitions(path, end, org, actor):
    project = make_project(org)
    moves = {"activate": project_activate, "archive": project_archive}

    for move in path:
        project = moves[move](actor=actor, project=project)

    project.refresh_from_db()
    assert project.status == end
    assert (project.archived_at is not None) is (end == Status.ARCHIVED)


@pytest.mark.parametrize(
    "path",
    [
        ["activate", "activate"],
        ["archive", "activate"],
        ["archive", "archive"],
        ["activate", "archive", "activate"],
    ],
    ids="-".join,
)
def test_other_transitions_are_invalid(path, org, actor):
    project = make_project(org)
    moves = {"activate": project_activate, "archive": project_archive}
    for move in path[:-1]:
        project = moves[move](actor=actor, project=project)
    before = Project.objects.get(pk=project.pk)

    with pytest.raises(InvalidTransition):
        moves[path[-1]](actor=actor, project=project)

    after = Project.objects.get(pk=project.pk)
    assert (after.status, after.archived_at) == (before.status, before.archived_at)


def test_an_archived_project_refuses_updates(org, actor):
    project = project_archive(actor=actor, project=make_project(org))

    with pytest.raises(Conflict):
        project_update(actor=actor, project=project, description="Too late")

    assert Project.objects.get(pk=project.pk).description == ""


def test_a_stale_instance_cannot_bypass_the_archive(org, actor):
    project = make_project(org)
    stale = Project.objects.get(pk=project.pk)
    project_archive(actor=actor, project=project)

    # The service re-reads the row under lock, so the stale Draft copy doesn't matter.
    with pytest.raises(Conflict):
        project_update(actor=actor, project=stale, name="Sneaky")
    with pytest.raises(InvalidTransition):
        project_activate(actor=actor, project=stale)


# The archive signal ----------------------------------------------------------------------


@pytest.fixture
def on_archive():
    """Connects receivers to ``project_archived`` for one test."""
    connected = []

    def connect(receiver):
        signals.project_archived.connect(receiver, weak=False)
        connected.append(receiver)

    yield connect
    for receiver in connected:
        signals.project_archived.disconnect(receiver)


def test_receivers_run_inside_the_archive_transaction(org, actor, on_archive):
    seen = []

    def receiver(sender, project, actor, **kwargs):
        stored = Project.objects.get(pk=project.pk)
        seen.append((stored.status, connection.in_atomic_block, actor))

    on_archive(receiver)
    project_archive(actor=actor, project=make_project(org))

    assert seen == [(Status.ARCHIVED, True, actor)]


def test_a_failing_receiver_rolls_the_archive_back(org, actor, on_archive):
    project = make_project(org)
    project_activate(actor=actor, project=project)

    def receiver(sender, project, **kwargs):
        raise RuntimeError("channel unpublish failed")

    on_archive(receiver)
    with pytest.raises(RuntimeError):
        project_archive(actor=actor, project=project)

    project.refresh_from_db()
    assert (project.status, project.archived_at) == (Status.ACTIVE, None)
    assert events(project, "PROJECT_ARCHIVED") == []


def test_a_receiver_conflict_is_a_409_and_nothing_is_archived(org, users, client_for, on_archive):
    project = make_project(org)

    def receiver(sender, project, **kwargs):
        raise Conflict("A channel could not be unpublished.")

    on_archive(receiver)
    response = client_for(users["OrganizationAdmin"]).post(f"/api/Projects/{project.pk}/archive")

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    project.refresh_from_db()
    assert (project.status, project.archived_at) == (Status.DRAFT, None)
    assert events(project, "PROJECT_ARCHIVED") == []


# Deletion guards -------------------------------------------------------------------------


@pytest.fixture
def deletion_guard():
    """Appends a guard to ``projects.signals.deletion_guards`` for one test."""
    added = []

    def add(guard):
        signals.deletion_guards.append(guard)
        added.append(guard)

    yield add
    for guard in added:
        signals.deletion_guards.remove(guard)


def test_a_deletion_guard_refuses_the_delete(org, users, client_for, deletion_guard):
    project = make_project(org)
    deletion_guard(lambda p: "A template is in Production." if p.pk == project.pk else None)

    response = client_for(users["OrganizationAdmin"]).delete(f"/api/Projects/{project.pk}")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["detail"] == "A template is in Production."
    assert Project.objects.filter(pk=project.pk).exists()
    assert events(project, "PROJECT_DELETED") == []


def test_a_guard_without_a_reason_lets_the_delete_through(org, actor, deletion_guard):
    project = make_project(org)
    deletion_guard(lambda p: None)

    project_delete(actor=actor, project=project)

    assert not Project.objects.filter(pk=project.pk).exists()


def test_deleting_removes_the_grants(org, actor):
    project = make_project(org, visibility=Visibility.PRIVATE)
    viewer = member(org, Role.VIEWER)
    project_grant_set(actor=actor, project=project, user=viewer, role=Role.VIEWER)

    project_delete(actor=actor, project=project)

    assert not project.user_grants.model.objects.filter(content_object_id=project.pk).exists()


# Grants ----------------------------------------------------------------------------------


def test_an_organization_role_cannot_be_granted_per_project(org, actor):
    project = make_project(org)

    with pytest.raises(InvalidRequest):
        project_grant_set(
            actor=actor, project=project, user=member(org), role=Role.ORGANIZATION_ADMIN
        )


def test_a_new_grant_replaces_the_previous_one(org, actor):
    project = make_project(org)
    viewer = member(org, Role.VIEWER)

    project_grant_set(actor=actor, project=project, user=viewer, role=Role.VIEWER)
    project_grant_set(actor=actor, project=project, user=viewer, role=Role.PROJECT_MANAGER)
    project_grant_set(actor=actor, project=project, user=viewer, role=Role.PROJECT_MANAGER)

    grants = project.user_grants.filter(user=viewer).values_list("permission__codename", flat=True)
    assert list(grants) == [grant_codename(Role.PROJECT_MANAGER)]
    assert [e.event_type for e in AuditEvent.objects.filter(project_id=project.pk)][:2] == [
        "GRANT_CHANGED",
        "USER_LINKED",
    ]


# Audit -----------------------------------------------------------------------------------


def test_creating_records_the_new_values(org, admin, actor):
    project = make_project(org, creator=admin, name="Seguro", tags=["Q2"], job_code="JC-1")

    [event] = events(project, "PROJECT_CREATED")
    assert (event.actor_user, event.organization, event.actor_kind) == (admin, org, "user")
    assert event.targets == [{"type": "project", "id": str(project.pk), "label": "Seguro"}]
    assert event.changes == {
        "slug": {"before": None, "after": "seguro"},
        "status": {"before": None, "after": "Draft"},
        "name": {"before": None, "after": "Seguro"},
        "description": {"before": None, "after": ""},
        "visibility": {"before": None, "after": "Organization"},
        "locale": {"before": None, "after": ""},
        "jobCode": {"before": None, "after": "JC-1"},
        "externalId": {"before": None, "after": ""},
        "creatorGrant": {"before": None, "after": "ProjectManager"},
        "category": {"before": None, "after": ""},
        "tags": {"before": None, "after": ["q2"]},
    }


def test_updating_records_only_the_changed_fields(org, actor):
    project = make_project(org, name="Seguro", description="Brief", tags=["q2"])

    project_update(
        actor=actor,
        project=project,
        name="Seguro Auto",
        description="Brief",  # unchanged
        tags=["Q2", "cards"],
    )

    [event] = events(project, "PROJECT_UPDATED")
    assert event.changes == {
        "name": {"before": "Seguro", "after": "Seguro Auto"},
        "tags": {"before": ["q2"], "after": ["q2", "cards"]},
    }


def test_an_update_that_changes_nothing_records_nothing(org, actor):
    project = make_project(org, name="Seguro", tags=["q2"])

    project_update(actor=actor, project=project, name=" Seguro ", tags=["Q2"])

    assert events(project, "PROJECT_UPDATED") == []


def test_lifecycle_events_record_the_status(org, actor):
    project = make_project(org)

    project_activate(actor=actor, project=project)
    project_archive(actor=actor, project=project)

    [activated] = events(project, "PROJECT_ACTIVATED")
    [archived] = events(project, "PROJECT_ARCHIVED")
    assert activated.changes == {"status": {"before": "Draft", "after": "Active"}}
    assert archived.changes == {"status": {"before": "Active", "after": "Archived"}}


def test_deleting_records_an_event_that_outlives_the_project(org, actor):
    project = make_project(org, name="Seguro")
    pk = project.pk

    project_delete(actor=actor, project=project)

    [event] = AuditEvent.objects.filter(project_id=pk, event_type="PROJECT_DELETED")
    assert event.changes == {"name": {"before": "Seguro", "after": None}}
    assert event.organization == org


def test_api_events_name_the_token_and_its_user(org, users, client_for):
    pm = users["ProjectManager"]
    client = client_for(pm)

    project_id = client.post("/api/Projects", {"name": "Seguro"}, format="json").json()["id"]
    client.patch(f"/api/Projects/{project_id}", {"category": "Auto"}, format="json")
    client.post(f"/api/Projects/{project_id}/activate")

    recorded = AuditEvent.objects.filter(project_id=project_id).order_by("created_at")
    assert [(e.event_type, e.actor_user) for e in recorded] == [
        ("PROJECT_CREATED", pm),
        ("PROJECT_UPDATED", pm),
        ("PROJECT_ACTIVATED", pm),
    ]
    assert {e.actor_kind for e in recorded} == {"token"}
    assert recorded[1].changes == {"category": {"before": "", "after": "auto"}}


def test_a_visibility_change_is_one_event_whichever_door(org, actor):
    """``Project.visibility`` has one writer: an edit of the project and ``PUT …/visibility``
    record the same ``VISIBILITY_CHANGED``, never a visibility diff in ``PROJECT_UPDATED``."""
    project = make_project(org)

    project_update(actor=actor, project=project, name="Renamed", visibility=Visibility.PRIVATE)

    updated = AuditEvent.objects.get(project_id=project.pk, event_type="PROJECT_UPDATED")
    changed = AuditEvent.objects.get(project_id=project.pk, event_type="VISIBILITY_CHANGED")
    assert "visibility" not in updated.changes
    assert changed.changes == {"visibility": {"before": "Organization", "after": "Private"}}
