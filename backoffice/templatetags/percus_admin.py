"""Template tags of the staff admin."""

from django import template

from backoffice import admin_calendar
from backoffice.admin_dashboard import sections_for

register = template.Library()


@register.inclusion_tag("admin/percus/dashboard.html", takes_context=True)
def percus_dashboard(context) -> dict:
    request = context.get("request")
    return {"sections": sections_for(request) if request is not None else []}


@register.inclusion_tag("admin/date_hierarchy.html")
def calendar_hierarchy(cl) -> dict:
    """``date_hierarchy`` at the cost of one MIN/MAX query (``backoffice.admin_calendar``)."""
    return admin_calendar.calendar_hierarchy(cl)
