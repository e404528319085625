"""Template tags of the staff admin."""

from django import template

from backoffice import admin_calendar
from backoffice.admin_dashboard import sections_for
from backoffice.admin_history import recent_actions

register = template.Library()


@register.inclusion_tag("admin/percus/dashboard.html", takes_context=True)
def percus_dashboard(context) -> dict:
    request = context.get("request")
    return {"sections": sections_for(request) if request is not None else []}


@register.inclusion_tag("admin/date_hierarchy.html")
def calendar_hierarchy(cl) -> dict:
    """``date_hierarchy`` at the cost of one MIN/MAX query (``backoffice.admin_calendar``)."""
    return admin_calendar.calendar_hierarchy(cl)


@register.inclusion_tag("admin/percus/recent_actions.html", takes_context=True)
def percus_recent_actions(context) -> dict:
    """The signed-in user's latest audit events (``admin_history.recent_actions``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"actions": recent_actions(user) if user is not None else []}
