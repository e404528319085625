"""Template tags of the staff admin."""

from django import template

from backoffice.admin_dashboard import sections_for

register = template.Library()


@register.inclusion_tag("admin/percus/dashboard.html", takes_context=True)
def percus_dashboard(context) -> dict:
    request = context.get("request")
    return {"sections": sections_for(request) if request is not None else []}
