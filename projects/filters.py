"""Query filters of the project list."""

import django_filters

from .constants import Status, Visibility
from .models import Project


class ProjectFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    tag = django_filters.CharFilter(method="filter_tag", max_length=50)
    category = django_filters.CharFilter(field_name="category")
    parentId = django_filters.UUIDFilter(field_name="parent_id")  # noqa: N815
    createdBy = django_filters.UUIDFilter(field_name="created_by_id")  # noqa: N815
    search = django_filters.CharFilter(method="filter_search", max_length=255)
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("created_at", "createdAt"),
            ("updated_at", "updatedAt"),
            ("status", "status"),
            ("job_code", "jobCode"),
        )
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_tag(self, queryset, name, value):
        return queryset.with_tag(value)

    def filter_search(self, queryset, name, value):
        return queryset.search(value.strip())
