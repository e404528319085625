"""Who did something: a user (by session or password), a personal API token, an API
credential, or the system (management commands, scheduled jobs)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class Actor:
    kind: str  # one of AuditEvent.ActorKind
    user: "User | None" = None
    ref_id: UUID | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(kind="system", label=label)

    @classmethod
    def for_user(cls, user: "User") -> "Actor":
        return cls(kind="user", user=user, label=user.email)

    @classmethod
    def for_request(cls, request: Any) -> "Actor":
        """The actor behind an authenticated request: its token or credential when the
        request authenticated with one, else its user."""
        auth = getattr(request, "auth", None)
        if auth is not None and hasattr(auth, "as_actor"):
            return auth.as_actor()
        return cls.for_user(request.user)
