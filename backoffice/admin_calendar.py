"""A date hierarchy that costs one ``MIN``/``MAX`` query at any table size.

Django's ``date_hierarchy`` lists the years (months, days) that hold rows with a ``DISTINCT``
over every filtered row, on every page of the changelist: 134 ms at 100 000 projects, and
growing with the table. This one offers the calendar between the first and the last date of the
filtered rows (read through the index on the field): the same links and the same filtering
(Django's changelist still applies ``<field>__year``/``__month``/``__day``), but a period inside
that range may hold no rows and then lists nothing.
"""

import calendar
import datetime as dt
from typing import Any

from django.contrib.admin.utils import get_fields_from_path
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class CalendarHierarchyAdmin:
    """Mixin for a ModelAdmin with ``date_hierarchy``: the hierarchy drawn by
    ``calendar_hierarchy`` (``admin/percus/calendar_change_list.html``)."""

    change_list_template = "admin/percus/calendar_change_list.html"


def _bounds(cl, field_name: str) -> tuple[Any, Any]:
    found = cl.queryset.aggregate(first=models.Min(field_name), last=models.Max(field_name))
    first, last = found["first"], found["last"]
    if isinstance(first, dt.datetime) and timezone.is_aware(first):
        first, last = timezone.localtime(first), timezone.localtime(last)
    return first, last


def calendar_hierarchy(cl) -> dict[str, Any]:
    """The context of ``admin/date_hierarchy.html``, as Django's ``date_hierarchy`` tag
    builds it, with choices from the calendar instead of from a ``DISTINCT``."""
    field_name = cl.date_hierarchy
    get_fields_from_path(cl.model, field_name)  # a wrong name fails as Django's does
    year_field, month_field, day_field = (
        f"{field_name}__{part}" for part in ("year", "month", "day")
    )
    year = cl.params.get(year_field)
    month = cl.params.get(month_field)
    day = cl.params.get(day_field)

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field_name}__"])

    if year and month and day:
        date = dt.date(int(year), int(month), int(day))
        return {
            "show": True,
            "back": {
                "link": link({year_field: year, month_field: month}),
                "title": capfirst(formats.date_format(date, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT"))}],
        }
    first, last = _bounds(cl, field_name)
    if first is None:
        return {"show": True, "back": None, "choices": []}
    if not year and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month:
        year, month = int(year), int(month)
        days = range(first.day, last.day + 1)
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: number}),
                    "title": capfirst(
                        formats.date_format(dt.date(year, month, number), "MONTH_DAY_FORMAT")
                    ),
                }
                for number in days
                if number <= calendar.monthrange(year, month)[1]
            ],
        }
    if year:
        year = int(year)
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: number}),
                    "title": capfirst(
                        formats.date_format(dt.date(year, number, 1), "YEAR_MONTH_FORMAT")
                    ),
                }
                for number in range(first.month, last.month + 1)
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({year_field: str(number)}), "title": str(number)}
            for number in range(first.year, last.year + 1)
        ],
    }
