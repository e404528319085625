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

#: Sections of ``GET /api/Projects/{id}/stats`` provided by apps above: name →
#: ``(project) -> dict`` of camelCase figures, merged into the response. Each runs a fixed
#: number of queries (one or two aggregates), so the endpoint's cost doesn't grow with the data.
stats_sections: dict[str, Callable[[object], dict]] = {}

#: Sections of the stats that read the query (e.g. a ``from``/``to`` range): name →
#: ``(project, query_params) -> dict``; they raise ``InvalidRequest`` for a bad parameter.
stats_query_sections: dict[str, Callable[[object, object], dict]] = {}

#: Where a thumbnail can come from: ``"template"`` → ``(project, template_id) -> file`` (an
#: open binary file of that template's poster). Raises ``InvalidRequest`` when the template
#: isn't the project's or has no poster.
thumbnail_sources: dict[str, Callable[[object, object], object]] = {}

#: Stored files of projects kept by apps above: name → ``(project_ids) -> list[str]`` of
#: storage names. Purge and delete report them; the owning app removes them when its rows go.
stored_files: dict[str, Callable[[list], list[str]]] = {}
