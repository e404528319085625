"""State changes of projects. One transaction each, with its audit event."""

from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from backoffice.actors import Actor
from backoffice.audit import diff, record_event, target
from backoffice.errors import Conflict, InvalidRequest, InvalidTransition
from backoffice.models import Organization, User
from backoffice.roles import Role

from .constants import (
    GRANTABLE_ROLES,
    ROLE_BY_CODENAME,
    TRANSITIONS,
    Status,
    Visibility,
    grant_codename,
)
from .models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from .signals import deletion_guards, project_archived

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


def normalize_tags(tags: list[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated, in first-seen order."""
    return list(dict.fromkeys(tag.strip().lower() for tag in tags if tag.strip()))


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
    fields = {
        "name": name.strip(),
        "description": description,
        "visibility": visibility,
        "locale": locale,
        "job_code": job_code,
        "external_id": external_id,
        "category": category,
        "tags": normalize_tags(tags or []),
    }
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
    _event(
        "PROJECT_CREATED",
        actor,
        project,
        diff({}, {"slug": project.slug, "status": project.status, **_snapshot(project)}),
    )
    return project


def _lock(project: Project) -> Project:
    return (
        Project.objects.select_related("organization")
        .select_for_update(of=("self",))
        .get(pk=project.pk)
    )


def _ensure_editable(project: Project) -> None:
    if project.is_archived:
        raise Conflict("An archived project is read-only (comments excepted).")


@transaction.atomic
def project_update(*, actor: Actor, project: Project, **changes: Any) -> Project:
    """Change editable fields. The slug stays as it is when the name changes."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    project = _lock(project)
    _ensure_editable(project)
    if "tags" in changes:
        changes["tags"] = normalize_tags(changes["tags"])
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    before = _snapshot(project)
    for field, value in changes.items():
        setattr(project, field, value)
    changed = diff(before, _snapshot(project))
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
        _event("PROJECT_UPDATED", actor, project, changed)
    return project


def _transition(project: Project, to: str) -> str:
    if to not in TRANSITIONS[project.status]:
        raise InvalidTransition(f"A {project.status} project can't become {to}.")
    before = project.status
    project.status = to
    return before


@transaction.atomic
def project_activate(*, actor: Actor, project: Project) -> Project:
    project = _lock(project)
    before = _transition(project, Status.ACTIVE)
    project.save(update_fields=["status", "updated_at"])
    _event(
        "PROJECT_ACTIVATED", actor, project, {"status": {"before": before, "after": project.status}}
    )
    return project


@transaction.atomic
def project_archive(*, actor: Actor, project: Project) -> Project:
    """Archive: read-only from now on; apps above unpublish its channels in this same
    transaction (``project_archived``)."""
    project = _lock(project)
    before = _transition(project, Status.ARCHIVED)
    project.archived_at = timezone.now()
    project.save(update_fields=["status", "archived_at", "updated_at"])
    project_archived.send(sender=Project, project=project, actor=actor)
    _event(
        "PROJECT_ARCHIVED", actor, project, {"status": {"before": before, "after": project.status}}
    )
    return project


@transaction.atomic
def project_delete(*, actor: Actor, project: Project) -> None:
    """Delete for good, with everything that belongs to the project. Refused while a guard
    (e.g. a template in Production) objects."""
    project = _lock(project)
    for guard in deletion_guards:
        reason = guard(project)
        if reason:
            raise Conflict(reason)
    _event("PROJECT_DELETED", actor, project, {"name": {"before": project.name, "after": None}})
    project.delete()


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
    project = _lock(project)
    before = _granted_role(project, principal)
    if before == role:
        return
    for other in GRANTABLE_ROLES:
        remove_perm(f"projects.{grant_codename(other)}", principal, project)
    assign_perm(f"projects.{grant_codename(role)}", principal, project)
    linked = "GROUP_LINKED" if group is not None else "USER_LINKED"
    _event(
        linked if before is None else "GRANT_CHANGED",
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
    project = _lock(project)
    before = _granted_role(project, principal)
    if before is None:
        raise InvalidRequest("There is no grant to remove.")
    for role in GRANTABLE_ROLES:
        remove_perm(f"projects.{grant_codename(role)}", principal, project)
    _event(
        "GROUP_UNLINKED" if group is not None else "USER_UNLINKED",
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
