"""API authentication: personal tokens as ``Authorization: Bearer``, and the session (with
CSRF) for the admin and the browsable API."""

from django.conf import settings
from rest_framework import authentication, exceptions

from ..models import ApiToken, User
from ..ratelimit import Limit, client_ident
from ..services import token_authenticate


def failed_authentication_limit() -> Limit:
    return Limit("auth-failures", *settings.AUTH_FAILURE_LIMIT)


class LimitedFailuresAuthentication(authentication.BaseAuthentication):
    """A header scheme (``Authorization: <keyword> …``) whose failures count per client: a
    client that keeps failing is refused (429) for the rest of the window, whatever it
    sends, so secrets can't be guessed at speed. Subclasses verify the header."""

    keyword = ""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        limit, client = failed_authentication_limit(), client_ident(request)
        limit.check(client)
        try:
            return self.verify(request, header)
        except exceptions.AuthenticationFailed:
            limit.hit(client)
            raise

    def verify(self, request, header: list[bytes]) -> tuple:
        raise NotImplementedError

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenAuthentication(LimitedFailuresAuthentication):
    """Personal tokens."""

    keyword = "Bearer"

    def verify(self, request, header: list[bytes]) -> tuple[User, ApiToken]:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            value = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = token_authenticate(value)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.user, token


class CsrfFailed(exceptions.PermissionDenied):
    """A session write without a valid CSRF token: its own problem ``code``, so a client
    can tell it from a role the caller lacks."""

    default_code = "csrf_failed"


class SessionAuthentication(authentication.SessionAuthentication):
    """Session login, for active users only, with CSRF on unsafe methods."""

    def enforce_csrf(self, request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise CsrfFailed(str(error.detail)) from None

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not result[0].is_active:
            return None
        return result
