"""Two rules every service that changes a project's content shares, written once: the
project lock and "is this project writable?".

Services of every app (projects, templates, shares, credentials, collaboration) lock the
project row first — parent before child, so concurrent changes of one project's channels,
shares, templates or grants are serialized — and then ask ``ensure_writable``. An archived
project is read-only (comments excepted, SPEC §4); a project in the trash is read-only until
it is restored (the API reaches only live projects; the admin and the commands can name a
trashed one).
"""

from backoffice.errors import Conflict

from .models import Project


def lock_project(project: Project) -> Project:
    """The project's row, locked until the transaction ends, with its organization."""
    return (
        Project.objects.select_related("organization")
        .select_for_update(of=("self",))
        .get(pk=project.pk)
    )


def is_read_only(project: Project) -> bool:
    """The question ``ensure_writable`` answers, without raising (for pages that show a
    read-only project without Save buttons)."""
    return project.is_archived or project.trashed_at is not None


def ensure_writable(project: Project, *, doing: str | None = None) -> None:
    """409 unless the project's content may change; ``doing`` names the refused change
    ("publish") for the message."""
    if project.is_archived:
        raise Conflict(
            f"An archived project can't {doing}."
            if doing
            else "An archived project is read-only (comments excepted)."
        )
    if project.trashed_at is not None:
        raise Conflict(
            f"A project in the trash can't {doing}."
            if doing
            else "A project in the trash is read-only: restore it first."
        )
