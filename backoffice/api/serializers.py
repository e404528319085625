"""Serializer bases: the API speaks camelCase while the models speak snake_case.

Fields are renamed where they are declared (``get_fields``), not by rewriting whole request
and response bodies, so user-supplied JSON (e.g. personalization data) keeps its own keys,
errors name the fields as the client sent them, and the OpenAPI schema shows the real names.
"""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.utils import html

from backoffice.errors import InvalidRequest

_SNAKE = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    return _SNAKE.sub(lambda match: match.group(1).upper(), name)


def list_choices(field: serializers.Field) -> None:
    """A refused choice names the allowed ones (``"prod" is not a valid choice: one of DEV,
    STAGING, PROD.``), for a choice field and for the items of a list of choices."""
    for candidate in (field, getattr(field, "child", None)):
        if isinstance(candidate, serializers.ChoiceField) and candidate.choices:
            allowed = ", ".join(str(choice) for choice in candidate.choices)
            candidate.error_messages["invalid_choice"] = (
                f'"{{input}}" is not a valid choice: one of {allowed}.'
            )


class StrictCharField(serializers.CharField):
    """A text field that refuses a number or a boolean instead of turning it into a string
    (DRF's ``CharField`` accepts ``"message": 0`` as ``"0"``): a client that sends the wrong
    type has a bug it should hear about. Form and multipart values are always strings."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A yes/no field that, in a JSON body, takes only ``true`` or ``false`` (DRF's
    ``BooleanField`` also reads ``"yes"``, ``"1"``, ``0`` …). A form or multipart body can
    only carry text, so there the usual spellings are still read."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        body = getattr(self.root, "initial_data", None)
        if not isinstance(data, bool) and not html.is_html_input(body):  # JSON, not a form
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """An id field that takes only a string: DRF's ``UUIDField`` reads a JSON number as
    ``UUID(int=n)``, and ``true`` (a Python ``int``) as ``UUID(int=1)``, which then showed up
    as "no such project" instead of a type error."""

    default_error_messages = {"invalid": "Must be a valid UUID."}

    def to_internal_value(self, data):
        if not isinstance(data, str | uuid.UUID):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


#: Django's ``EmailValidator`` rules for an ASCII address, as one regular expression that
#: Python and ECMA-262 read alike: a dot-atom local part, then host labels of letters, digits
#: and inner hyphens, and a top-level label of 2 to 63 letters and inner hyphens or a punycode
#: one (``xn--…``).
_ATOM = r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP = r"([A-Za-z][A-Za-z-]{0,61}[A-Za-z]|[xX][nN]--[A-Za-z0-9]{1,59})"
EMAIL_PATTERN = rf"^{_ATOM}(\.{_ATOM})*@({_LABEL}\.)+{_TOP}$"


class EmailAddressField(serializers.EmailField):
    """An e-mail address a request names, held to ``EMAIL_PATTERN`` as well as to Django's
    validator, so that the schema can declare exactly what is accepted: JSON Schema's
    ``format: email`` admits addresses Django refuses (``0@0.a``) and refuses some Django
    admits (longer local parts), and Django also admits ``user@localhost``, quoted local parts
    and domain literals, which no customer address needs. The schema gives the pattern
    instead of the format (``backoffice.api.schema``)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(EMAIL_PATTERN, message=self.error_messages["invalid"])
        )


_STRICT = {
    serializers.CharField: StrictCharField,
    serializers.BooleanField: StrictBooleanField,
    serializers.UUIDField: StrictUUIDField,
}


def strict_types(field: serializers.Field) -> None:
    """Make a text, yes/no or id field of our serializers, or the items of a list or a dict of
    them, strict. Only plain ``CharField``, ``BooleanField`` and ``UUIDField`` change class
    (the subclasses — e-mail, URL, regex, slug … — validate the text themselves and refuse a
    number anyway); the strict classes add a check and no state, so the field keeps its
    arguments."""
    for candidate in (field, getattr(field, "child", None)):
        strict = _STRICT.get(type(candidate))
        if strict is not None:
            candidate.__class__ = strict
            candidate.error_messages["invalid"] = strict.default_error_messages["invalid"]


def validated_with_rules(
    serializer_class: type[serializers.Serializer], data: Any, rules: Callable[[dict], Any]
) -> dict:
    """The body checked by ``serializer_class`` (JSON types) and, when some field has the
    wrong type, the service's ``rules`` run on the fields that have the right one, so a
    single 400 names every wrong field of the request (not the type errors first and the
    rest on the next try). Without a type error the data is returned unchanged; the service
    applies ``rules`` itself when it writes."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    errors = dict(serializer.errors)
    if not isinstance(data, dict) or "non_field_errors" in errors:
        raise serializers.ValidationError(errors)  # not an object: nothing more to check
    rest = serializer_class(data={k: v for k, v in data.items() if k not in errors}, partial=True)
    if rest.is_valid():
        try:
            rules(dict(rest.validated_data))
        except InvalidRequest as refused:
            for field, messages in refused.errors.items():
                errors.setdefault(field, messages)  # a wrong type keeps its own message
    order = [name for name in serializer.fields if name in errors]
    raise serializers.ValidationError(
        {name: errors[name] for name in order} | {k: v for k, v in errors.items() if k not in order}
    )


class CamelCaseFieldsMixin:
    def get_fields(self):
        fields = super().get_fields()
        renamed = {}
        for name, field in fields.items():
            key = camel(name)
            if key != name and field.source is None:
                field.source = name
            list_choices(field)
            strict_types(field)
            renamed[key] = field
        return renamed


class Serializer(CamelCaseFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(CamelCaseFieldsMixin, serializers.ModelSerializer):
    pass


class ProblemSerializer(Serializer):
    """RFC 9457 problem details, as every error response of the API."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.ChoiceField(
        choices=[
            "invalid_request",
            "unauthenticated",
            "insufficient_role",
            "insufficient_scope",
            "csrf_failed",
            "invalid_file_token",
            "role_mismatch",
            "not_found",
            "method_not_allowed",
            "conflict",
            "invalid_transition",
            "payload_too_large",
            "unsupported_media_type",
            "rate_limited",
            "server_error",
            "service_unavailable",
        ]
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
