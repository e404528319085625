"""The staff admin's index dashboard: what the signed-in user's projects look like now.

Apps register sections here (the core imports none of them); each section is a callable
``(request) -> (title, html) | None`` that reads only what the user may see.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

DashboardSection = Callable[[object], tuple[str, SafeString] | None]

#: Filled by the apps' admin modules, in the order they are shown.
dashboard_sections: list[DashboardSection] = []


def register(section: DashboardSection) -> DashboardSection:
    if section not in dashboard_sections:
        dashboard_sections.append(section)
    return section


def sections_for(request) -> list[tuple[str, SafeString]]:
    shown = []
    for section in dashboard_sections:
        result = section(request)
        if result is not None:
            shown.append(result)
    return shown
