"""What shares adds to ``GET /api/Projects/{id}/stats`` (through ``projects.signals``): the
enabled public shares, and landing-page views and CTA clicks by channel, in one query plus
one cache round trip for the counts not yet flushed (a project has at most one share per
channel)."""

from .constants import Channel, ShareStatus
from .counting import attach_counts, with_flushed_counts
from .models import PublicVideoShare


def shares_stats(project) -> dict:
    views = dict.fromkeys(Channel.values, 0)
    clicks = dict.fromkeys(Channel.values, 0)
    enabled = 0
    shares = with_flushed_counts(PublicVideoShare.objects.filter(project=project)).only(
        "pk", "channel", "status"
    )
    for share in attach_counts(shares):
        views[share.channel] += share.view_count
        clicks[share.channel] += share.cta_click_count
        enabled += share.status == ShareStatus.ENABLED
    return {"sharesEnabled": enabled, "landingPageViews": views, "ctaClicks": clicks}
