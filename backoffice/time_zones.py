"""Times in the staff admin in the viewer's own time zone (SPEC §15 "times in the viewer's
zone").

The admin's pages include ``backoffice/timezone.js``, which writes the browser's IANA zone
(``Intl.DateTimeFormat().resolvedOptions().timeZone``) into the ``percus_tz`` cookie; this
middleware activates that zone for the admin's requests, so every date and time Django
renders there (change pages, lists, the dashboard, the history) is local to the viewer, and
the formats (``backoffice/formats``) name the zone after each time. Without the cookie (the
first page after a new browser's login, a browser without JavaScript) or with a value that is
no known zone, times stay in UTC and say so. The API is untouched: its times are ISO 8601 in
UTC whatever the cookie says.
"""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.urls import reverse
from django.utils import timezone

#: The cookie ``backoffice/static/backoffice/timezone.js`` writes.
TIME_ZONE_COOKIE = "percus_tz"
#: The longest IANA name is 32 characters ("America/Argentina/ComodRivadavia").
MAX_ZONE_LENGTH = 64


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA zone of that name, or None for anything that is not one (only names from the
    zone database are looked up: a cookie never names a file)."""
    if not name or len(name) > MAX_ZONE_LENGTH or name not in _known_zones():
        return None
    return ZoneInfo(name)


@cache
def _admin_prefix() -> str:
    return reverse("admin:index")


class ViewerTimeZoneMiddleware:
    """Activate the viewer's zone (the ``percus_tz`` cookie) for the admin's requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_admin_prefix()):
            return self.get_response(request)
        zone = zone_named(request.COOKIES.get(TIME_ZONE_COOKIE))
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
