"""RFC 9457 problem details for every error the API returns.

Shape: ``{"type", "title", "status", "detail", "code", "errors"}`` with a stable ``code``.
DRF exceptions, service ``DomainError``s and Django's own 404/400/403/500 all end here.
A lost database connection is a 503 with ``Retry-After``, not a 500: the request may succeed
once the database is back, and the body never carries the driver's message.
"""

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ..errors import DomainError
from .exceptions import PayloadTooLarge

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.percus.io/problems/"

#: What the database driver raises when the server can't be reached or the connection dropped.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE_DETAIL = "The service is temporarily unavailable; please retry shortly."
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger(__name__)

_CODE_BY_STATUS = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "insufficient_role",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}
# DRF's own codes that have a name of ours.
_CODE_ALIASES = {
    "not_authenticated": "unauthenticated",
    "authentication_failed": "unauthenticated",
    "permission_denied": "insufficient_role",
    "parse_error": "invalid_request",
    "invalid": "invalid_request",
    "throttled": "rate_limited",
    "method_not_allowed": "method_not_allowed",
}


def problem(
    status_code: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    code = code or _CODE_BY_STATUS.get(status_code, "error")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": title or HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(status_code: int, detail: str, **kwargs: Any) -> JsonResponse:
    """A problem-details response outside DRF (middleware, Django error handlers)."""
    return JsonResponse(
        problem(status_code, detail, **kwargs),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field.sub": ["message"]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out.update(_flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "body": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix or "body": [str(detail)]}


def _first_code(detail: Any) -> str | None:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), None)
    if isinstance(detail, list):
        detail = detail[0] if detail else None
    return getattr(detail, "code", None)


def log_database_unavailable(request: Any, exc: BaseException) -> None:
    """The outage goes to the log with its traceback; the client only learns it may retry."""
    path = getattr(request, "path", "?")
    logger.error("Database unavailable while serving %s: %s", path, exc, exc_info=exc)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log_database_unavailable(context.get("request"), exc)
        response = Response(
            problem(503, UNAVAILABLE_DETAIL), status=503, content_type=PROBLEM_CONTENT_TYPE
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, DomainError):
        exc_status, detail, code, errors = exc.status, exc.detail, exc.code, exc.errors
        title = exc.title
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied()
        elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
            exc = PayloadTooLarge()
        elif isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            )
        if not isinstance(exc, exceptions.APIException):
            return None  # a real bug: Django's 500 handler answers with a problem too
        exc_status = exc.status_code
        title = None
        errors = None
        if isinstance(exc, exceptions.ValidationError):
            errors = _flatten(exc.detail)
            detail = "The request has invalid fields."
            code = "invalid_request"
        else:
            detail = str(exc.detail)
            raw_code = _first_code(exc.detail) or exc.default_code
            code = _CODE_ALIASES.get(raw_code, raw_code)
            if code not in _KNOWN_CODES:
                code = _CODE_BY_STATUS.get(exc_status, "error")
    set_rollback()
    response = Response(
        problem(exc_status, detail, code=code, title=title, errors=errors),
        status=exc_status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            response["Retry-After"] = str(int(exc.wait) + 1)
    if exc_status == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


_KNOWN_CODES = set(_CODE_BY_STATUS.values()) | {
    "insufficient_scope",
    "csrf_failed",
    "invalid_file_token",
    "role_mismatch",
    "invalid_transition",
}
