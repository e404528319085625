"""State changes of projects. One transaction each, with its audit event."""

import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from backoffice.actors import Actor
from backoffice.audit import apply_changes, diff, record_event, target
from backoffice.errors import Conflict, InvalidRequest, InvalidTransition
from backoffice.events import EventType
from backoffice.models import Organization, User
from backoffice.roles import GUEST_ROLE_CAP, Role

from .constants import (
    GRANTABLE_ROLES,
    ROLE_BY_CODENAME,
    TRANSITIONS,
    Status,
    Visibility,
    grant_codename,
)
from .guards import ensure_writable, lock_project
from .models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission, is_guest
from .signals import deletion_guards, project_archived, stored_files, thumbnail_sources
from .thumbnails import open_image, store_renditions
from .tree import MAX_DEPTH, ancestor_ids, descendant_ids
from .validation import clean_project_fields

EDITABLE_FIELDS = (
    "name",
    "description",
    "visibility",
    "locale",
    "job_code",
    "external_id",
    "category",
    "tags",
)
SLUG_ATTEMPTS = 100
#: The direct grant the creator of a project gets on it (seed 001: the creator is a member).
CREATOR_ROLE = Role.PROJECT_MANAGER


def slug_base(name: str) -> str:
    """ASCII slug of a name: "Crédito Pre-Aprobado Q2" → "credito-pre-aprobado-q2"."""
    return slugify(name)[:250].strip("-") or "project"


def _next_free_slug(organization: Organization, base: str) -> str:
    taken = set(
        Project.objects.live()
        .filter(organization=organization, slug__startswith=base)
        .values_list("slug", flat=True)
    )
    suffix = 1
    while (candidate := base if suffix == 1 else f"{base}-{suffix}") in taken:
        suffix += 1
    return candidate


def _event(event_type: str, actor: Actor, project: Project, changes=None, extra_targets=()) -> None:
    record_event(
        event_type=event_type,
        actor=actor,
        organization=project.organization,
        project_id=project.pk,
        targets=[target(project), *extra_targets],
        changes=changes,
    )


def _snapshot(project: Project) -> dict[str, Any]:
    return {field: getattr(project, field) for field in EDITABLE_FIELDS}


@transaction.atomic
def project_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str,
    description: str = "",
    visibility: str = Visibility.ORGANIZATION,
    locale: str = "",
    job_code: str = "",
    external_id: str = "",
    category: str = "",
    tags: list[str] | None = None,
) -> Project:
    """Create a Draft project. The slug is race-free: a concurrent create that takes the same
    slug makes this insert fail inside a savepoint, and the next free slug is tried."""
    fields = clean_project_fields(
        {
            "name": name,
            "description": description,
            "visibility": visibility,
            "locale": locale,
            "job_code": job_code,
            "external_id": external_id,
            "category": category,
            "tags": tags or [],
        }
    )
    base = slug_base(fields["name"])
    for _ in range(SLUG_ATTEMPTS):
        slug = _next_free_slug(organization, base)
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    organization=organization, slug=slug, created_by=actor.user, **fields
                )
            break
        except IntegrityError:
            continue  # a concurrent create took this slug meanwhile: look again
    else:
        raise Conflict("Could not find a free slug for this project; try another name.")
    changes = diff({}, {"slug": project.slug, "status": project.status, **_snapshot(project)})
    if actor.user is not None:
        # The creator becomes a direct member (seed 001), shown by ``members``; creating
        # needs ProjectManager+ already, so the grant never raises anyone.
        assign_perm(f"projects.{grant_codename(CREATOR_ROLE)}", actor.user, project)
        changes["creatorGrant"] = {"before": None, "after": CREATOR_ROLE.value}
    _event(EventType.PROJECT_CREATED, actor, project, changes)
    return project


@transaction.atomic
def project_update(*, actor: Actor, project: Project, **changes: Any) -> Project:
    """Change editable fields. The slug stays as it is when the name changes."""
    project = lock_project(project)
    ensure_writable(project)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    changes = clean_project_fields(changes)
    visibility = changes.pop("visibility", None)
    changed = apply_changes(project, changes, editable=EDITABLE_FIELDS)
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
        _event(EventType.PROJECT_UPDATED, actor, project, changed)
    if visibility is not None:
        _change_visibility(actor, project, visibility)
    return project


@transaction.atomic
def project_set_visibility(*, actor: Actor, project: Project, visibility: str) -> Project:
    """Make a project Private or Organization-wide. Setting the current value changes
    nothing and records nothing. Archived projects are read-only (409)."""
    visibility = Visibility(visibility)
    project = lock_project(project)
    if project.visibility != visibility:
        ensure_writable(project)
        _change_visibility(actor, project, visibility)
    return project


def _change_visibility(actor: Actor, project: Project, visibility: str) -> None:
    """The one writer of ``Project.visibility`` after creation (whether through
    ``PUT …/visibility`` or an edit of the project), with its one event."""
    if project.visibility == visibility:
        return
    before = project.visibility
    project.visibility = visibility
    project.save(update_fields=["visibility", "updated_at"])
    _event(
        EventType.VISIBILITY_CHANGED,
        actor,
        project,
        {"visibility": {"before": before, "after": visibility}},
    )


def _transition(project: Project, to: str) -> str:
    if to not in TRANSITIONS[project.status]:
        if project.status == to:
            raise InvalidTransition(f"This project is already {to.lower()}.")
        article = "An" if project.status[0] in "AEIOU" else "A"
        raise InvalidTransition(
            f"{article} {project.status.lower()} project can't become {to.lower()}."
        )
    before = project.status
    project.status = to
    return before


@transaction.atomic
def project_activate(*, actor: Actor, project: Project) -> Project:
    project = lock_project(project)
    before = _transition(project, Status.ACTIVE)
    project.save(update_fields=["status", "updated_at"])
    _event(
        EventType.PROJECT_ACTIVATED,
        actor,
        project,
        {"status": {"before": before, "after": project.status}},
    )
    return project


@transaction.atomic
def project_archive(*, actor: Actor, project: Project) -> Project:
    """Archive: read-only from now on; apps above unpublish its channels in this same
    transaction (``project_archived``)."""
    project = lock_project(project)
    before = _transition(project, Status.ARCHIVED)
    project.archived_at = timezone.now()
    project.save(update_fields=["status", "archived_at", "updated_at"])
    project_archived.send(sender=Project, project=project, actor=actor)
    _event(
        EventType.PROJECT_ARCHIVED,
        actor,
        project,
        {"status": {"before": before, "after": project.status}},
    )
    return project


@transaction.atomic
def project_delete(*, actor: Actor, project: Project) -> None:
    """Delete for good, with its sub-projects at every depth (seed 003: "all related
    projects", those in the trash included) and everything that belongs to them. All or
    nothing: while a guard (e.g. a template in Production) objects to any of them, nothing
    is deleted and the 409 names that project."""
    project = lock_project(project)
    ids = [project.pk, *descendant_ids(project, live_only=False)]
    # The whole tree locked, parent first then primary-key order, before anything changes.
    below = list(
        Project.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk__in=ids[1:])
        .order_by("pk")
    )
    members = [project, *below]
    for member in members:
        for guard in deletion_guards:
            reason = guard(member)
            if reason:
                if member.pk == project.pk:
                    raise Conflict(reason)
                raise Conflict(f"Sub-project “{member.name}” ({member.slug}): {reason}")
    for member in members:
        _event(
            EventType.PROJECT_DELETED,
            actor,
            member,
            {"name": {"before": member.name, "after": None}},
            extra_targets=[] if member.pk == project.pk else [target(project)],
        )
    _remove_thumbnail_files(
        [path for member in members for path in member.thumbnail_paths.values()]
    )
    Project.objects.filter(pk__in=ids).delete()


# Grants ---------------------------------------------------------------------------------


@transaction.atomic
def project_grant_set(
    *,
    actor: Actor,
    project: Project,
    role: Role | str,
    user: User | None = None,
    group: Group | None = None,
) -> None:
    """Give a user or a group this role on the project, replacing any other role they were
    granted there. Grants are guardian object permissions on the direct-FK tables."""
    role = Role(role)
    if role not in GRANTABLE_ROLES:
        raise InvalidRequest.for_field("role", f"A project grant can't give {role}.")
    principal = user or group
    if principal is None or (user and group):
        raise TypeError("Grant to exactly one user or one group.")
    project = lock_project(project)
    if user is not None and role.rank > GUEST_ROLE_CAP.rank and is_guest(user, project):
        raise InvalidRequest.for_field(
            "role",
            f"{user} is a guest (not a member of {project.organization.name}): a guest is "
            f"granted at most {GUEST_ROLE_CAP}.",
        )
    before = _granted_role(project, principal)
    if before == role:
        return
    for other in GRANTABLE_ROLES:
        remove_perm(f"projects.{grant_codename(other)}", principal, project)
    assign_perm(f"projects.{grant_codename(role)}", principal, project)
    linked = EventType.GROUP_LINKED if group is not None else EventType.USER_LINKED
    _event(
        linked if before is None else EventType.GRANT_CHANGED,
        actor,
        project,
        {"grant": {"before": before, "after": role}},
        extra_targets=[target(principal)],
    )


@transaction.atomic
def project_grant_remove(
    *, actor: Actor, project: Project, user: User | None = None, group: Group | None = None
) -> None:
    principal = user or group
    project = lock_project(project)
    before = _granted_role(project, principal)
    if before is None:
        raise InvalidRequest("There is no grant to remove.")
    for role in GRANTABLE_ROLES:
        remove_perm(f"projects.{grant_codename(role)}", principal, project)
    _event(
        EventType.GROUP_UNLINKED if group is not None else EventType.USER_UNLINKED,
        actor,
        project,
        {"grant": {"before": before, "after": None}},
        extra_targets=[target(principal)],
    )


def _granted_role(project: Project, principal: User | Group) -> Role | None:
    if isinstance(principal, Group):
        rows = ProjectGroupObjectPermission.objects.filter(content_object=project, group=principal)
    else:
        rows = ProjectUserObjectPermission.objects.filter(content_object=project, user=principal)
    codenames = rows.values_list("permission__codename", flat=True)
    return Role.highest(*(ROLE_BY_CODENAME.get(code) for code in codenames))


# Hierarchy ------------------------------------------------------------------------------


def _check_parent(project: Project, parent: Project) -> None:
    if parent.organization_id != project.organization_id:
        raise InvalidRequest.for_field(
            "parentId", "The parent must belong to the same organization."
        )
    if parent.pk == project.pk:
        raise InvalidRequest.for_field("parentId", "A project can't be its own parent.")
    if parent.trashed_at is not None:
        raise InvalidRequest.for_field("parentId", "The parent is in the trash.")
    chain = ancestor_ids(parent)
    if project.pk in chain:
        raise InvalidRequest.for_field(
            "parentId", "A project can't become the child of one of its sub-projects."
        )
    if len(chain) + 1 >= MAX_DEPTH:
        raise InvalidRequest.for_field("parentId", f"Hierarchies stop at {MAX_DEPTH} levels.")


@transaction.atomic
def project_assign(*, actor: Actor, project: Project, parent: Project) -> Project:
    """Make ``project`` a sub-project of ``parent`` (same organization, no cycle). Both rows
    are locked in primary-key order, so two crossed assigns can't build a cycle together."""
    first, second = sorted([project.pk, parent.pk])
    locked = {
        p.pk: p
        for p in Project.objects.select_related("organization")
        .select_for_update(of=("self",))
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    if project.pk not in locked or parent.pk not in locked:
        raise InvalidRequest.for_field("parentId", "No such project.")
    project, parent = locked[project.pk], locked.get(parent.pk, parent)
    ensure_writable(project)
    _check_parent(project, parent)
    # Gaining a sub-project changes the parent (its ``subprojects``, its stats): an archived
    # parent is read-only too (SPEC §4). A child may still leave an archived parent.
    ensure_writable(parent, doing="gain sub-projects")
    before = project.parent_id
    if before == parent.pk:
        return project
    project.parent = parent
    project.save(update_fields=["parent", "updated_at"])
    _event(
        EventType.PROJECT_ASSIGNED,
        actor,
        project,
        {"parentId": {"before": str(before) if before else None, "after": str(parent.pk)}},
        extra_targets=[target(parent)],
    )
    return project


@transaction.atomic
def project_unassign(*, actor: Actor, project: Project) -> Project:
    project = lock_project(project)
    ensure_writable(project)
    if project.parent_id is None:
        raise InvalidRequest("This project has no parent.")
    before = project.parent_id
    project.parent = None
    project.save(update_fields=["parent", "updated_at"])
    _event(
        EventType.PROJECT_UNASSIGNED,
        actor,
        project,
        {"parentId": {"before": str(before), "after": None}},
    )
    return project


@transaction.atomic
def project_create_child(*, actor: Actor, parent: Project, **fields: Any) -> Project:
    """A new project in the parent's organization, created as its sub-project."""
    ensure_writable(parent, doing="gain sub-projects")  # before anything is created
    child = project_create(actor=actor, organization=parent.organization, **fields)
    return project_assign(actor=actor, project=child, parent=parent)


# Trash ----------------------------------------------------------------------------------


def _trash_root(project: Project) -> bool:
    """Whether ``project`` is the one its batch was trashed through (not a sub-project that
    went with its parent)."""
    if project.parent_id is None:
        return True
    return not Project.objects.filter(
        pk=project.parent_id, trash_batch=project.trash_batch
    ).exists()


@transaction.atomic
def project_trash(*, actor: Actor, project: Project) -> Project:
    """Move the project and every live sub-project below it to the trash, as one batch with
    one timestamp. Nothing else changes (channels, shares, credentials stay as they are and
    stop serving because their project is trashed), so a restore is exact."""
    project = lock_project(project)
    if project.trashed_at is not None:
        raise InvalidRequest("This project is already in the trash.")
    ids = [project.pk, *descendant_ids(project)]
    # Lock the whole batch, parent first then primary-key order, before changing it.
    list(Project.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    now = timezone.now()
    batch = uuid.uuid4()
    Project.objects.filter(pk__in=ids, trashed_at__isnull=True).update(
        trashed_at=now, trash_batch=batch
    )
    for member in Project.objects.filter(pk__in=ids).select_related("organization"):
        _event(
            EventType.PROJECT_TRASHED,
            actor,
            member,
            # A datetime, written by the events' JSON encoder as every time of ``changes`` is
            # (UTC with ``Z``, like a share's ``expiresAt``).
            {"trashedAt": {"before": None, "after": now}},
            extra_targets=[] if member.pk == project.pk else [target(project)],
        )
    project.trashed_at, project.trash_batch = now, batch
    return project


@transaction.atomic
def project_restore(*, actor: Actor, project: Project) -> Project:
    """Bring back exactly the batch that was trashed through this project. A slug taken
    meanwhile by a live project gets a fresh one (race-free, as in ``project_create``); a
    parent still in the trash is let go (the project comes back at the top level)."""
    project = lock_project(project)
    if project.trashed_at is None:
        raise InvalidRequest("This project is not in the trash.")
    if not _trash_root(project):
        raise InvalidRequest(
            "This project went to the trash with its parent: restore the parent instead."
        )
    batch = project.trash_batch
    members = list(
        Project.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(trash_batch=batch)
        .order_by("pk")
    )
    for member in members:
        changes = {"trashedAt": {"before": member.trashed_at, "after": None}}
        fields = {"trashed_at": None, "trash_batch": None}
        if member.pk == project.pk and member.parent_id is not None:
            parent_live = Project.objects.live().filter(pk=member.parent_id).exists()
            if not parent_live:
                fields["parent"] = None
                changes["parentId"] = {"before": str(member.parent_id), "after": None}
        slug = _restore_row(member, fields)
        if slug != member.slug:
            changes["slug"] = {"before": member.slug, "after": slug}
        for name, value in fields.items():
            setattr(member, name, value)
        member.slug = slug
        _event(
            EventType.PROJECT_RESTORED,
            actor,
            member,
            changes,
            extra_targets=[] if member.pk == project.pk else [target(project)],
        )
        if member.pk == project.pk:
            project = member
    return project


def _restore_row(project: Project, fields: dict[str, Any]) -> str:
    """Un-trash one row, keeping its slug when it is free; returns the slug it got."""
    slug = project.slug
    for _ in range(SLUG_ATTEMPTS):
        try:
            with transaction.atomic():
                Project.objects.filter(pk=project.pk).update(slug=slug, **fields)
            return slug
        except IntegrityError:
            slug = _next_free_slug(project.organization, project.slug)
    raise Conflict("Could not find a free slug for this project.")


# Purge ----------------------------------------------------------------------------------


@dataclass
class PurgeOutcome:
    """What purging one trash batch did (or, in a dry run, would do)."""

    root: Project
    project_ids: list[uuid.UUID] = dataclass_field(default_factory=list)
    files: list[str] = dataclass_field(default_factory=list)
    skipped: str = ""  # why the batch stays (a deletion guard, or another run has it)
    passed_over: bool = False  # another run has the batch, or it is gone: nothing is wrong


def purgeable_roots(older_than: datetime):
    """The projects through which batches were trashed before ``older_than``, oldest first."""
    return (
        Project.objects.trashed()
        .filter(trashed_at__lt=older_than)
        .exclude(parent__trash_batch=F("trash_batch"))
        .select_related("organization")
        .order_by("trashed_at", "pk")
    )


def _batch_files(ids: list[uuid.UUID]) -> list[str]:
    names = [
        path
        for row in Project.objects.filter(pk__in=ids).values_list(
            "thumbnail_small", "thumbnail_medium", "thumbnail_large"
        )
        for path in row
        if path
    ]
    for collect in stored_files.values():
        names.extend(collect(ids))
    return names


@transaction.atomic
def project_purge(*, actor: Actor, root: Project, dry_run: bool = False) -> PurgeOutcome:
    """Delete for good one trash batch (``root`` and what was trashed with it), with its
    stored files. Safe to run concurrently: the root is locked with SKIP LOCKED, so a second
    purge passes over a batch the first one holds. Deletion guards still apply: a batch with
    a Production template stays in the trash (reported as skipped)."""
    outcome = PurgeOutcome(root=root)
    locked = (
        Project.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=root.pk, trashed_at__isnull=False, trash_batch=root.trash_batch)
        .select_related("organization")
        .first()
    )
    if locked is None:
        outcome.skipped = "taken by another run, or already gone"
        outcome.passed_over = True
        return outcome
    members = list(
        Project.objects.select_for_update(of=("self",))
        .filter(trash_batch=locked.trash_batch)
        .select_related("organization")
        .order_by("pk")
    )
    outcome.project_ids = [member.pk for member in members]
    for member in members:
        for guard in deletion_guards:
            reason = guard(member)
            if reason:
                outcome.skipped = f"{member.name}: {reason}"
                return outcome
    outcome.files = _batch_files(outcome.project_ids)
    if dry_run:
        return outcome
    for member in members:
        _event(
            EventType.PROJECT_PURGED,
            actor,
            member,
            {"name": {"before": member.name, "after": None}},
        )
    thumbnails = [path for member in members for path in member.thumbnail_paths.values() if path]
    _remove_thumbnail_files(thumbnails)
    Project.objects.filter(pk__in=outcome.project_ids).delete()
    return outcome


# Thumbnails -----------------------------------------------------------------------------


def _remove_thumbnail_files(paths) -> None:
    """Stored renditions go when the transaction commits (a rollback keeps them)."""
    for path in [p for p in paths if p]:
        transaction.on_commit(lambda path=path: default_storage.delete(path))


@transaction.atomic
def project_thumbnail_set(
    *,
    actor: Actor,
    project: Project,
    image: bytes | None = None,
    template_id: uuid.UUID | None = None,
) -> Project:
    """Make the three renditions from an uploaded image or from a template's poster."""
    if (image is None) == (template_id is None):
        raise TypeError("Give exactly one of image or template_id.")
    project = lock_project(project)
    ensure_writable(project)
    source = "upload"
    if template_id is not None:
        poster_of = thumbnail_sources.get("template")
        if poster_of is None:
            raise InvalidRequest.for_field("templateId", "Templates are not available.")
        with poster_of(project, template_id) as poster:
            image = poster.read()
        source = f"template:{template_id}"
    picture = open_image(image, "templateId" if template_id else "image")
    before = dict(project.thumbnail_paths)
    paths = store_renditions(project, picture)
    # Files are saved before the row changes: if that fails, they are removed at once.
    try:
        with transaction.atomic():
            project.thumbnail_small = paths["small"]
            project.thumbnail_medium = paths["medium"]
            project.thumbnail_large = paths["large"]
            project.save(
                update_fields=[
                    "thumbnail_small",
                    "thumbnail_medium",
                    "thumbnail_large",
                    "updated_at",
                ]
            )
            _event(
                EventType.THUMBNAIL_SET,
                actor,
                project,
                {
                    "thumbnail": {"before": before["large"] or None, "after": paths["large"]},
                    "source": {"before": None, "after": source},
                },
            )
    except Exception:
        for path in paths.values():
            default_storage.delete(path)
        raise
    _remove_thumbnail_files(before.values())
    return project


@transaction.atomic
def project_thumbnail_remove(*, actor: Actor, project: Project) -> Project:
    project = lock_project(project)
    ensure_writable(project)
    before = dict(project.thumbnail_paths)
    if not any(before.values()):
        raise InvalidRequest("This project has no thumbnail.")
    project.thumbnail_small = project.thumbnail_medium = project.thumbnail_large = ""
    project.save(
        update_fields=["thumbnail_small", "thumbnail_medium", "thumbnail_large", "updated_at"]
    )
    _event(
        EventType.THUMBNAIL_REMOVED,
        actor,
        project,
        {"thumbnail": {"before": before["large"], "after": None}},
    )
    _remove_thumbnail_files(before.values())
    return project
