"""Property-based tests (hypothesis, issue 11): slug generation, the template manifest and
Lottie validators, and the keyset cursor codec. No database."""

import base64
import contextlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from backoffice.api.cursors import decode_cursor, encode_cursor
from backoffice.errors import InvalidRequest
from projects.services import slug_base
from templates.validation import read_json, validate_lottie, validate_manifest

SETTINGS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
# Rows are stamped in UTC; any fixed offset must survive too (named zones have DST gaps,
# where Python's own comparison of aware datetimes is not an instant comparison).
FIXED_OFFSETS = st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m)))

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.deferred(
    lambda: (
        scalars
        | st.lists(json_values, max_size=4)
        | st.dictionaries(st.text(max_size=10), json_values, max_size=4)
    )
)
binding_keys = st.sampled_from(["key", "layer", "type", "required", "default", "extra"])
bindings = st.dictionaries(
    binding_keys,
    json_values | st.sampled_from(["text", "image", "color", "Title", "name"]),
    max_size=6,
)
manifests = st.one_of(
    json_values,
    st.fixed_dictionaries({"bindings": json_values}),
    st.fixed_dictionaries({"bindings": st.lists(bindings | json_values, max_size=5)}),
)


@SETTINGS
@given(st.text())
def test_a_slug_is_always_a_short_non_empty_ascii_slug(name):
    slug = slug_base(name)
    assert 0 < len(slug) <= 250
    # Django's slugify keeps underscores, and tests/projects pins "Tarjeta_Oro" →
    # "tarjeta_oro": the alphabet is [a-z0-9_-], never starting or ending with a hyphen
    assert re.fullmatch(r"[a-z0-9_]+(-[a-z0-9_]+)*", slug), slug


@SETTINGS
@given(st.text(alphabet=st.characters(codec="ascii"), min_size=240, max_size=400))
def test_a_long_name_never_gives_a_slug_over_250(name):
    assert len(slug_base(name)) <= 250


@SETTINGS
@given(manifests, st.sets(st.text(max_size=8), max_size=4))
def test_the_manifest_validator_only_raises_its_validation_error(data, layers):
    try:
        result = validate_manifest(data, layers | {"Title", "name"}, "manifestJson")
    except InvalidRequest as error:
        result = error
    assert isinstance(result, list) or result.status == 400


@SETTINGS
@given(json_values | st.fixed_dictionaries({"layers": json_values, "assets": json_values}))
def test_the_lottie_validator_only_raises_its_validation_error(data):
    if isinstance(data, dict) and "layers" in data:
        data = {"v": "5", "fr": 30, "ip": 0, "op": 1, "w": 1, "h": 1, **data}
    try:
        names = validate_lottie(data, "templateJson")
    except InvalidRequest:
        return
    assert all(isinstance(name, str) for name in names)


@SETTINGS
@given(st.binary(max_size=2000) | json_values.map(lambda value: json.dumps(value).encode()))
def test_reading_any_upload_as_json_only_raises_its_validation_error(raw):
    with contextlib.suppress(InvalidRequest):
        read_json(SimpleUploadedFile("manifest.json", raw), "manifestJson")


def test_deeply_nested_json_is_refused_not_crashed():
    raw = ("[" * 100_000 + "]" * 100_000).encode()
    with pytest.raises(InvalidRequest) as refused:
        read_json(SimpleUploadedFile("deep.json", raw), "templateJson")
    assert refused.value.status == 400


@SETTINGS
@given(st.datetimes(timezones=st.just(UTC)), st.uuids())
def test_a_cursor_decodes_to_what_was_encoded(moment, pk):
    assert decode_cursor(encode_cursor(moment, pk)) == (moment, pk)


@SETTINGS
@given(st.datetimes(timezones=FIXED_OFFSETS), st.uuids())
def test_a_cursor_with_any_utc_offset_round_trips_as_the_same_instant(moment, pk):
    decoded_moment, decoded_pk = decode_cursor(encode_cursor(moment, pk))
    assert decoded_moment == moment
    assert decoded_pk == pk


@SETTINGS
@given(
    st.text()
    | st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    | json_values.map(lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).decode())
)
def test_any_string_decodes_or_is_refused_with_a_validation_error(cursor):
    try:
        moment, pk = decode_cursor(cursor)
    except ValidationError as error:
        refused = error
    else:
        refused = None
        assert isinstance(moment, datetime)
        assert moment.tzinfo is not None
        assert isinstance(pk, UUID)
    assert refused is None or "cursor" in refused.detail
