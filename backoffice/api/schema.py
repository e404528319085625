"""OpenAPI generation: every operation documents its problem-details error responses."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from .serializers import ProblemSerializer

_READ_ERRORS = {
    "400": "Invalid request (bad parameters or cursor)",
    "401": "Not authenticated: missing, invalid, expired or revoked credentials",
    "403": "Insufficient role or scope, or a forwarded role that does not match",
    "404": "Not found, or not visible to the caller",
    "429": "Rate limited; see Retry-After",
}
_WRITE_ERRORS = {
    "409": "Conflict with the current state",
    "413": "Payload too large",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(_READ_ERRORS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors.update(_WRITE_ERRORS)
        for code, description in errors.items():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=description),
                    code,
                    direction=direction,
                ),
            )
        return responses

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if str(status_code)[0] in "45":
            media_types = ["application/problem+json"]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "backoffice.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`pbt_…`), created with POST /api/tokens.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "backoffice.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
