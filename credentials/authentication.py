"""HTTP Basic ``pk:sk`` authentication of API credentials, for server-to-server reads.

Secure by default: a credential is refused (403) by every endpoint unless the view lists the
action in ``credential_actions``, and even then only for safe methods. The views that opt in
are project-scoped, and a credential sees only its own project (``Project.visible_to`` /
``Project.role_for`` give it a read-only pseudo-role there and nothing anywhere else), so
another project is a 404.

Failures count against the same per-client budget as bearer tokens (``AUTH_FAILURE_LIMIT``):
past it every attempt from that client is a 429 with ``Retry-After``. Successful requests
count per key (``CREDENTIAL_RATE_LIMIT``).
"""

import base64
import binascii
from dataclasses import dataclass, field
from uuid import UUID

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions

from backoffice.api.authentication import LimitedFailuresAuthentication
from backoffice.ratelimit import Limit

from .models import ApiCredential
from .services import credential_authenticate


class CredentialNotAllowed(exceptions.PermissionDenied):
    default_detail = (
        "An API credential may only read its project's distribution channels and public "
        "video shares."
    )
    default_code = "insufficient_scope"


@dataclass(eq=False)
class CredentialPrincipal:
    """``request.user`` of a credential-authenticated request: not a person, never a member
    of anything. ``backoffice.permissions`` and ``projects`` recognise it by
    ``is_credential`` and give it read access to ``project_id`` only."""

    credential: ApiCredential
    is_authenticated: bool = True
    is_active: bool = True
    is_owner: bool = False
    is_superuser: bool = False
    is_staff: bool = False
    is_anonymous: bool = False
    is_credential: bool = True
    pk: None = None
    id: None = None
    groups: tuple = field(default=())

    @property
    def project_id(self) -> UUID:
        return self.credential.project_id

    @property
    def email(self) -> str:
        return self.credential.api_key

    def __str__(self) -> str:
        return f"credential {self.credential.api_key}"


def credential_request_limit() -> Limit:
    return Limit("credential-requests", *settings.CREDENTIAL_RATE_LIMIT)


class CredentialBasicAuthentication(LimitedFailuresAuthentication):
    keyword = "Basic"

    def verify(self, request, header: list[bytes]) -> tuple[CredentialPrincipal, ApiCredential]:
        credential = self._authenticate(header)
        credential_request_limit().take(credential.api_key)
        self._check_view_allows(request)
        return CredentialPrincipal(credential=credential), credential

    def _authenticate(self, header: list[bytes]) -> ApiCredential:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            decoded = base64.b64decode(header[1], validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("Malformed Basic credentials.") from None
        api_key, separator, secret = decoded.partition(":")
        if not separator:
            raise exceptions.AuthenticationFailed("Malformed Basic credentials.")
        credential = credential_authenticate(api_key, secret)
        if credential is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked credential.")
        return credential

    @staticmethod
    def _check_view_allows(request) -> None:
        view = (getattr(request, "parser_context", None) or {}).get("view")
        allowed = getattr(view, "credential_actions", ())
        if request.method not in permissions.SAFE_METHODS or (
            getattr(view, "action", None) not in allowed
        ):
            raise CredentialNotAllowed()


class CredentialBasicScheme(OpenApiAuthenticationExtension):
    """Shown only on the operations a credential may call."""

    target_class = "credentials.authentication.CredentialBasicAuthentication"
    name = "credentialBasicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "An API credential: the key `pk_…` as user name, the secret `sk_…` "
            "as password. Reads of its own project's channels and public video shares only.",
        }

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        if auto_schema.method.upper() in permissions.SAFE_METHODS and getattr(
            view, "action", None
        ) in getattr(view, "credential_actions", ()):
            return {self.name: []}
        return []
