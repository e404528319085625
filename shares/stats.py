"""What shares adds to ``GET /api/Projects/{id}/stats`` (through ``projects.signals``): the
enabled public shares, and landing-page views and CTA clicks by channel, in one query (a
project has at most one share per channel)."""

from .constants import Channel, ShareStatus
from .models import PublicVideoShare


def shares_stats(project) -> dict:
    views = dict.fromkeys(Channel.values, 0)
    clicks = dict.fromkeys(Channel.values, 0)
    enabled = 0
    rows = PublicVideoShare.objects.filter(project=project).values_list(
        "channel", "status", "view_count", "cta_click_count"
    )
    for channel, status, view_count, cta_click_count in rows:
        views[channel] += view_count
        clicks[channel] += cta_click_count
        enabled += status == ShareStatus.ENABLED
    return {"sharesEnabled": enabled, "landingPageViews": views, "ctaClicks": clicks}
