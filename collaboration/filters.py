"""Query filters of the organization's audit log."""

import django_filters

from backoffice.api.datetimes import IsoDateTimeFilter
from backoffice.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    projectId = django_filters.UUIDFilter(field_name="project_id")  # noqa: N815
    actorUserId = django_filters.UUIDFilter(field_name="actor_user_id")  # noqa: N815
    eventType = django_filters.CharFilter(field_name="event_type", max_length=40)  # noqa: N815
    createdAfter = IsoDateTimeFilter(  # noqa: N815
        field_name="created_at", lookup_expr="gte"
    )
    createdBefore = IsoDateTimeFilter(  # noqa: N815
        field_name="created_at", lookup_expr="lt"
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
