"""Query filters of the project list."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from .constants import Status, Visibility
from .models import Project

#: ``?parentId=null``: the projects with no parent (seed 003's main listing).
TOP_LEVEL = "null"


class UUIDOrNullField(forms.UUIDField):
    """A UUID, or the word ``null``."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() == TOP_LEVEL:
            return TOP_LEVEL
        return super().to_python(value)


#: What ``UUIDOrNullField`` reads, declared in the schema (a plain string there let a
#: client send any text and get a 400).
PARENT_PATTERN = (
    r"^\s*([nN][uU][lL][lL]|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12})?\s*$"
)


@extend_schema_field({"type": "string", "pattern": PARENT_PATTERN})
class ParentFilter(django_filters.Filter):
    """Sub-projects of one parent (a UUID), or top-level projects (``null``)."""

    field_class = UUIDOrNullField

    def filter(self, queryset, value):
        if value in (None, ""):
            return queryset
        if value == TOP_LEVEL:
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=value)


class ProjectFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    tag = django_filters.CharFilter(method="filter_tag", max_length=50)
    category = django_filters.CharFilter(method="filter_category", max_length=100)
    parentId = ParentFilter(  # noqa: N815
        help_text="A project's id for its sub-projects, or `null` for top-level projects."
    )
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

    def filter_category(self, queryset, name, value):
        # Stored lower-case (``normalize_category``), so the filter ignores case.
        return queryset.filter(category=value.strip().lower())

    def filter_search(self, queryset, name, value):
        return queryset.search(value.strip())
