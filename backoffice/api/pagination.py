"""The two pagination styles of the API.

``OffsetOrCursorPagination`` (collections): ``{"items", "total", "limit", "offset",
"nextCursor"}``. Counting a large result dominates a page's cost, so ``total`` is exact up to
``COUNT_CAP`` and otherwise ``COUNT_CAP`` with ``"totalIsLowerBound": true``. Deep pages use
``cursor`` (keyset) instead of ``offset``.

``CursorPagination`` (histories, comments): ``{"items", "nextCursor"}`` only.
"""

from collections import OrderedDict

from django.db.models import Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from .cursors import decode_cursor, encode_cursor

DEFAULT_LIMIT = 30
MAX_LIMIT = 200
COUNT_CAP = 10_000
MAX_OFFSET = 2**63 - 1  # PostgreSQL's bigint: a larger OFFSET is a database error, not a page
KEYSET_ORDERING = ("-created_at", "-id")


def _int_param(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw == "":  # ``?limit=`` is not an integer, as the schema types it
        raise ValidationError({name: ["Must be a whole number."]})
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: ["Must be a whole number."]}) from None
    if value < 0 or value > MAX_OFFSET or (name == "limit" and value == 0):
        raise ValidationError({name: ["Out of range."]})
    return min(value, maximum) if maximum else value


def capped_count(queryset: QuerySet) -> int:
    """The count up to ``COUNT_CAP + 1`` (a larger value also means "more than the cap"):
    by the queryset's own ``count_capped`` where it has one, else of the primary keys only,
    so no annotation, join or ordering is computed."""
    if hasattr(queryset, "count_capped"):
        return queryset.count_capped(COUNT_CAP)
    return queryset.order_by().values("pk")[: COUNT_CAP + 1].count()


def _page(queryset: QuerySet, offset: int, limit: int) -> QuerySet:
    """The rows ``offset`` to ``offset + limit``. Past the first page, the skipped rows are
    found by their primary keys alone, in a subquery of the same query: the database then
    computes the joins and annotations (e.g. a comment count) of the page's rows only, not
    of every row it skips (bench, page 1 000 of 100 000 projects)."""
    if not offset:
        return queryset[:limit]
    keys = queryset.page_keys(offset, limit) if hasattr(queryset, "page_keys") else None
    page = keys if keys is not None else queryset.values("pk")[offset : offset + limit]
    return queryset.filter(pk__in=page)


def _after(queryset: QuerySet, cursor: str) -> QuerySet:
    created_at, pk = decode_cursor(cursor)
    # The redundant ``created_at <= X`` lets PostgreSQL seek in the (…, -created_at, -id)
    # index instead of reading and discarding every newer row (bench: 99 ms → 5 ms deep).
    return queryset.filter(
        Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk),
        created_at__lte=created_at,
    )


class CursorPagination(pagination.BasePagination):
    """Keyset pages on ``-created_at, -id``, newest first."""

    def paginate_queryset(self, queryset, request, view=None):
        self.limit = _int_param(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        cursor = request.query_params.get("cursor")
        queryset = queryset.order_by(*KEYSET_ORDERING)
        if cursor:
            queryset = _after(queryset, cursor)
        rows = list(queryset[: self.limit + 1])
        self.next_cursor = None
        if len(rows) > self.limit:
            rows = rows[: self.limit]
            self.next_cursor = encode_cursor(rows[-1].created_at, rows[-1].pk)
        return rows

    def get_paginated_response(self, data):
        return Response(OrderedDict(items=data, nextCursor=self.next_cursor))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "nextCursor"],
            "properties": {
                "items": schema,
                "nextCursor": {"type": ["string", "null"]},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            _query_param(
                "limit",
                "integer",
                f"Page size (default {DEFAULT_LIMIT}); larger values give {MAX_LIMIT}.",
                minimum=1,
                maximum=MAX_OFFSET,
            ),
            _query_param("cursor", "string", "The `nextCursor` of the previous page."),
        ]


class OffsetOrCursorPagination(CursorPagination):
    """Offset pages with a bounded count; ``cursor`` switches to keyset pages."""

    def paginate_queryset(self, queryset, request, view=None):
        self.offset = None
        self.total = None
        if request.query_params.get("cursor"):
            if request.query_params.get("offset"):
                raise ValidationError({"cursor": ["Use either cursor or offset."]})
            return super().paginate_queryset(queryset, request, view)
        self.limit = _int_param(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        self.offset = _int_param(request, "offset", 0)
        self.total = capped_count(queryset)
        rows = list(_page(queryset, self.offset, self.limit))
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        keyset = tuple(ordering) == KEYSET_ORDERING
        more = self.offset + len(rows) < self.total
        self.next_cursor = (
            encode_cursor(rows[-1].created_at, rows[-1].pk) if keyset and rows and more else None
        )
        return rows

    def get_paginated_response(self, data):
        if self.total is None:
            return super().get_paginated_response(data)
        body = OrderedDict(
            items=data,
            total=min(self.total, COUNT_CAP),
            limit=self.limit,
            offset=self.offset,
            nextCursor=self.next_cursor,
        )
        if self.total > COUNT_CAP:
            body["totalIsLowerBound"] = True
        return Response(body)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "limit"],
            "properties": {
                "items": schema,
                "total": {"type": "integer", "maximum": COUNT_CAP},
                "totalIsLowerBound": {"type": "boolean"},
                "limit": {"type": "integer"},
                "offset": {"type": ["integer", "null"]},
                "nextCursor": {"type": ["string", "null"]},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            _query_param(
                "offset", "integer", "Items to skip (offset pages).", minimum=0, maximum=MAX_OFFSET
            ),
        ]


def _query_param(name: str, kind: str, description: str, **bounds: int) -> dict:
    """A query parameter of the schema; ``bounds`` (``minimum``, ``maximum``) are the ones the
    server enforces, so a client (or schemathesis) knows what is refused."""
    return {
        "name": name,
        "required": False,
        "in": "query",
        "description": description,
        "schema": {"type": kind, **bounds},
    }
