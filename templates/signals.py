"""Hooks for the apps above ``templates`` (which it must not import)."""

from collections.abc import Callable

#: Callables ``(template) -> reason | None``: a reason (e.g. "published on PROD") refuses
#: archiving or deleting the template (409).
in_use_checks: list[Callable[[object], str | None]] = []
