"""Filters of the templates list."""

import django_filters

from .constants import Kind, Status
from .models import Template


class TemplateFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Template
        fields = ["status", "kind"]
