"""Public URLs of organization logos: ``/brand/<organization>/<hash>.png``. The URL names the
stored file exactly (``org/<organization>/branding/<hash>.png``), so serving it reads no
database, and a new logo has a new URL (browsers may keep one for a year)."""

import re

from django.conf import settings

LOGO_PATH = re.compile(r"org/(?P<org>[0-9a-f-]{36})/branding/(?P<name>[0-9a-f]{32})\.png")


def logo_path_url(path: str | None) -> str | None:
    """The site-relative URL of a stored logo, or None."""
    match = LOGO_PATH.fullmatch(path or "")
    return f"/brand/{match['org']}/{match['name']}.png" if match else None


def logo_url(path: str | None) -> str | None:
    """The absolute URL of a stored logo (on ``PUBLIC_SITE_URL``), or None."""
    relative = logo_path_url(path)
    return f"{settings.PUBLIC_SITE_URL}{relative}" if relative else None
