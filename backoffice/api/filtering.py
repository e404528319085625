"""Query filters that refuse what the schema refuses."""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

#: Filters whose parameter the schema types (uuid, a choice, a boolean, a number, a date):
#: for these an empty value is not a value.
TYPED_FILTERS = (
    django_filters.UUIDFilter,
    django_filters.ChoiceFilter,
    django_filters.BooleanFilter,
    django_filters.NumberFilter,
    django_filters.DateFilter,
    django_filters.DateTimeFilter,
    django_filters.IsoDateTimeFilter,
)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter reads ``?createdBy=`` (a name with no value) as "no filter", so a client
    that lost its value by mistake gets everything. The schema says ``format: uuid`` (or a
    choice, a date …), which "" is not: a 400 naming each such parameter. (``ordering`` is an
    array: empty is the empty list, and text filters take "".)"""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = {
                name: ["A value is required (or leave the parameter out)."]
                for name, field in filterset_class.base_filters.items()
                if isinstance(field, TYPED_FILTERS)
                and not isinstance(field, django_filters.OrderingFilter)
                and "" in request.query_params.getlist(name)
            }
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        """A refused choice lists the allowed values, as the serializers' choice fields do
        (``backoffice.api.serializers.list_choices``)."""
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for field in filterset.form.fields.values():
                if isinstance(field, forms.ChoiceField):
                    allowed = ", ".join(str(value) for value, _ in field.choices if value != "")
                    if allowed:
                        field.error_messages["invalid_choice"] = (
                            f'"%(value)s" is not a valid choice: one of {allowed}.'
                        )
        return filterset
