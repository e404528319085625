"""Errors raised by services. They carry the stable machine ``code`` of the API conventions,
so the API, the admin and the management commands all report the same rule the same way."""

from typing import ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 409
    code: ClassVar[str] = "conflict"
    title: ClassVar[str] = "Conflict"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class Conflict(DomainError):
    """The request is valid but clashes with the current state."""


class InvalidTransition(DomainError):
    code = "invalid_transition"
    title = "Invalid status transition"


class InvalidRequest(DomainError):
    status = 400
    code = "invalid_request"
    title = "Bad Request"  # the HTTP phrase, as DRF's 400s: one title per problem type

    @classmethod
    def for_field(cls, field: str, message: str) -> "InvalidRequest":
        return cls(message, errors={field: [message]})


class Forbidden(DomainError):
    """The actor may not make this change, whatever the state (e.g. raising rights)."""

    status = 403
    code = "insufficient_role"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not Found"  # the HTTP phrase, as DRF's 404s
