"""The daily series of landing-page views and CTA clicks of a project, per channel (SPEC §16:
``GET /api/Projects/{id}/stats?from=&to=`` and the admin's charts), and its SVG drawing.

Days are UTC dates. The range is inclusive, 30 days ending today by default, at most
``MAX_DAYS``; every day of the range is listed (zeros included) so a chart needs no filling.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from backoffice.errors import InvalidRequest

from .constants import CHANNEL_ORDER
from .counting import daily_counts, today
from .models import PublicVideoShare, ShareDailyCount

DEFAULT_DAYS = 30
MAX_DAYS = 366
# The dates a query may name: well inside the calendar, so a default range computed from one
# end (30 days before ``to``, 30 days from ``from``) never leaves it.
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2999, 12, 31)


@dataclass(frozen=True)
class Day:
    date: dt.date
    views: dict[str, int]  # by channel, in promotion order
    cta_clicks: dict[str, int]

    @property
    def total_views(self) -> int:
        return sum(self.views.values())

    @property
    def total_cta_clicks(self) -> int:
        return sum(self.cta_clicks.values())


def _date(params, name: str, errors: dict) -> dt.date | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors[name] = ["Must be a date as YYYY-MM-DD."]
        return None
    if not FIRST_DATE <= day <= LAST_DATE:
        errors[name] = [f"Must be a date from {FIRST_DATE} to {LAST_DATE}."]
        return None
    return day


def date_range(params) -> tuple[dt.date, dt.date]:
    """``from``/``to`` of a query (both optional, inclusive), checked: one 400 naming each bad
    parameter."""
    errors: dict[str, list[str]] = {}
    first, last = _date(params, "from", errors), _date(params, "to", errors)
    if errors:
        raise InvalidRequest(next(iter(errors.values()))[0], errors=errors)
    if last is None:
        last = today() if first is None else first + dt.timedelta(days=DEFAULT_DAYS - 1)
    if first is None:
        first = last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidRequest.for_field("from", "Must be on or before `to`.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest.for_field("to", f"The range is at most {MAX_DAYS} days.")
    return first, last


def project_series(project, first: dt.date, last: dt.date) -> list[Day]:
    """Every day from ``first`` to ``last`` with the project's views and CTA clicks per
    channel: two queries and one cache round trip, whatever the range."""
    shares = dict(PublicVideoShare.objects.filter(project=project).values_list("pk", "channel"))
    return share_series(shares, first, last)


def share_series(shares: dict, first: dt.date, last: dt.date) -> list[Day]:
    """The series of some shares (``{share_id: channel}``)."""
    counts = daily_counts(list(shares), first, last) if shares else {}
    days = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        views = dict.fromkeys(CHANNEL_ORDER, 0)
        clicks = dict.fromkeys(CHANNEL_ORDER, 0)
        for share_id, channel in shares.items():
            share_views, share_clicks = counts.get((share_id, day), (0, 0))
            views[channel] += share_views
            clicks[channel] += share_clicks
        days.append(Day(day, views, clicks))
    return days


def visible_series(projects, first: dt.date, last: dt.date) -> list[Day]:
    """The series of every share of ``projects`` (a queryset of what the caller may see), from
    the daily table only, in one query whatever the number of projects or shares. What the
    minute flush has not written yet (with Redis) is left out: the dashboard's chart is at
    most a minute behind, and never reads every share's pending counts."""
    rows = (
        ShareDailyCount.objects.filter(share__project__in=projects, day__gte=first, day__lte=last)
        .values_list("day", "share__channel")
        .annotate(views=Sum("views"), cta_clicks=Sum("cta_clicks"))
        .order_by()
    )
    found = {(day, channel): (views, clicks) for day, channel, views, clicks in rows}
    days = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        views = {name: found.get((day, name), (0, 0))[0] for name in CHANNEL_ORDER}
        clicks = {name: found.get((day, name), (0, 0))[1] for name in CHANNEL_ORDER}
        days.append(Day(day, views, clicks))
    return days


def series_json(first: dt.date, last: dt.date, days: list[Day]) -> dict:
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": [
            {"date": day.date.isoformat(), "views": day.views, "ctaClicks": day.cta_clicks}
            for day in days
        ],
    }


def stats_daily(project, params) -> dict:
    """The ``daily`` section of the project's stats."""
    first, last = date_range(params)
    return {"daily": series_json(first, last, project_series(project, first, last))}


# Drawing ----------------------------------------------------------------------------------------

VIEWS_COLOUR = "#2563eb"
CLICKS_COLOUR = "#c2410c"


def svg_chart(days: list[Day], *, width: int = 640, height: int = 180, title: str) -> SafeString:
    """Views (bars) and CTA clicks (a line) per day, drawn on the server: no script, no
    library, no request to anyone; readable without colour (a legend, a title and a text
    summary for screen readers)."""
    left, bottom, top, right = 40, 22, 18, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([day.total_views for day in days] + [day.total_cta_clicks for day in days] + [1])
    step = plot_w / max(len(days), 1)

    def y(value: int) -> float:
        return round(top + plot_h - value * plot_h / peak, 1)

    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} views</title></rect>',
        (
            (
                round(left + index * step + step * 0.15, 1),
                y(day.total_views),
                round(max(step * 0.7, 1), 1),
                round(plot_h + top - y(day.total_views), 1),
                VIEWS_COLOUR,
                day.date.isoformat(),
                day.total_views,
            )
            for index, day in enumerate(days)
        ),
    )
    points = " ".join(
        f"{round(left + index * step + step / 2, 1)},{y(day.total_cta_clicks)}"
        for index, day in enumerate(days)
    )
    total_views = sum(day.total_views for day in days)
    total_clicks = sum(day.total_cta_clicks for day in days)
    first = days[0].date.isoformat() if days else ""
    last = days[-1].date.isoformat() if days else ""
    summary = f"{title}: {total_views} views and {total_clicks} CTA clicks from {first} to {last}"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="daily-chart" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{summary}">'
        "<title>{summary}</title>"
        '<line x1="{left}" y1="{base}" x2="{end}" y2="{base}" stroke="#6b7280"/>'
        '<text x="{tx}" y="{ty_top}" font-size="10" text-anchor="end" fill="#374151">{peak}</text>'
        '<text x="{tx}" y="{base}" font-size="10" text-anchor="end" fill="#374151">0</text>'
        "{bars}"
        '<polyline points="{points}" fill="none" stroke="{clicks}" stroke-width="2"/>'
        '<text x="{left}" y="{label_y}" font-size="10" fill="#374151">{first}</text>'
        '<text x="{end}" y="{label_y}" font-size="10" text-anchor="end" fill="#374151">{last}'
        "</text>"
        '<rect x="{legend_x}" y="2" width="10" height="8" fill="{views}"/>'
        '<text x="{legend_text}" y="10" font-size="10" fill="#374151">views</text>'
        '<line x1="{legend_x2}" y1="6" x2="{legend_x2_end}" y2="6" stroke="{clicks}" '
        'stroke-width="2"/>'
        '<text x="{legend_text2}" y="10" font-size="10" fill="#374151">CTA clicks</text>'
        "</svg>",
        w=width,
        h=height,
        summary=summary,
        left=left,
        base=top + plot_h,
        end=left + plot_w,
        tx=left - 4,
        ty_top=top + 8,
        peak=peak,
        bars=bars,
        points=points,
        clicks=CLICKS_COLOUR,
        views=VIEWS_COLOUR,
        label_y=height - 6,
        first=first,
        last=last,
        legend_x=width - 170,
        legend_text=width - 156,
        legend_x2=width - 100,
        legend_x2_end=width - 88,
        legend_text2=width - 84,
    )
