"""Hooks for the apps above ``projects`` (which it must not import).

``project_archived`` is sent inside the archiving transaction: receivers (e.g. channels that
unpublish) run in it, and their failure rolls the archive back.
"""

from collections.abc import Callable

from django.dispatch import Signal

project_archived = Signal()  # sender=Project, project=…, actor=…

#: Callables ``(project) -> reason | None``; any reason refuses a permanent delete (409).
deletion_guards: list[Callable[[object], str | None]] = []

#: Extra sections of the project detail: name → ``(project, request) -> data``.
detail_sections: dict[str, Callable[[object, object], object]] = {}

#: Annotations of the project list and detail provided by apps above: name → () -> expression
#: (e.g. ``comment_count``). They go into the same SELECT as the page, so cost no query.
list_annotations: dict[str, Callable[[], object]] = {}
