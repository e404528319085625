"""Date-times from clients: ISO 8601 with an offset the world uses (UTC-12:00 to UTC+14:00;
PostgreSQL refuses an offset past ±15:59 and Python accepts up to ±23:59, so anything in
between would fail in the database, a 500), converted to UTC before any query sees them."""

from datetime import UTC, datetime, timedelta

import django_filters
from django import forms
from django_filters import fields as filter_fields
from rest_framework import serializers

MAX_OFFSET = timedelta(hours=14)
OFFSET_MESSAGE = "Time-zone offsets range from -14:00 to +14:00."
RANGE_MESSAGE = "This date-time is out of range."


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; ValueError names what is wrong with it."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError(OFFSET_MESSAGE)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(RANGE_MESSAGE) from None


class IsoDateTimeFormField(filter_fields.IsoDateTimeField):
    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return to_utc(parsed)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter with the offset checked and the value in UTC."""

    field_class = IsoDateTimeFormField


class DateTimeField(serializers.DateTimeField):
    """DRF's date-time field with the offset checked and the value in UTC."""

    def enforce_timezone(self, value: datetime) -> datetime:
        try:
            value = to_utc(value) if value.utcoffset() is not None else value
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None
        return super().enforce_timezone(value)
