"""OpenAPI generation: every operation documents its problem-details error responses."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .paths import ID_OR_SLUG, SLUG, UUID
from .serializers import EMAIL_PATTERN, EmailAddressField, ProblemSerializer

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
    "415": "The body is of a media type the operation does not accept (JSON, or multipart "
    "for the uploads)",
}


# The tag of an operation is that of the last segment of its path that names a resource
# (``/api/Projects/{id}/comments/{id}`` is a comment), so that each resource has its own section
# in the documentation instead of everything under the first segment.
RESOURCE_TAGS = {
    "Organizations": "Organizations",
    "audit-events": "Audit events",
    "branding": "Branding",
    "invitations": "Invitations",
    "members": "Members",
    "all-users": "Members",
    "user-groups": "User groups",
    "user-groups/members": "User groups",
    "webhooks": "Webhooks",
    "deliveries": "Webhooks",
    "Projects": "Projects",
    "private": "Visibility",
    "public": "Visibility",
    "thumbnail": "Thumbnails",
    "thumbnails": "Thumbnails",
    "deploy-requests": "Deploy requests",
    "distribution-channels": "Distribution channels",
    "public-video-shares": "Public video shares",
    "templates": "Templates",
    "comments": "Comments",
    "guests": "Guests",
    "history": "History",
    "stats": "Stats",
    "credentials": "Credentials",
    "files": "Files",
    "tokens": "Tokens",
    "me": "Me",
}


#: Path-parameter schemas by the regex the URL pattern uses (``backoffice/api/paths.py``):
#: the schema admits exactly what the pattern does, written as a reader expects it.
_PATH_SCHEMAS = {
    f"^{UUID}$": {"type": "string", "format": "uuid"},
    f"^{ID_OR_SLUG}$": {
        "anyOf": [
            {"type": "string", "format": "uuid"},
            {"type": "string", "pattern": f"^{SLUG}$"},
        ]
    },
}
_PATH_DESCRIPTIONS = {f"^{ID_OR_SLUG}$": "The project's id or its slug."}


#: A character that is not whitespace to Python's ``str.strip()`` (which DRF's ``CharField``
#: applies before refusing a blank value), written so ECMA and Python regexes agree.
NOT_BLANK_PATTERN = (
    r"[^\t\n\x0b\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A text field of a request that may not be blank says so: at least one character
        that is not whitespace (``"\x1d"`` has length 1 and was refused as blank)."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(field, EmailAddressField):
            return schema  # declared by its pattern (``_insert_field_validators``)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and field.trim_whitespace
            and schema.get("type") in ("string", ["string", "null"])
            and "pattern" not in schema
            and "enum" not in schema
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        return schema

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            pattern = parameter["schema"].get("pattern")
            if pattern in _PATH_SCHEMAS:
                parameter["schema"] = dict(_PATH_SCHEMAS[pattern])
                if pattern in _PATH_DESCRIPTIONS:
                    parameter["description"] = _PATH_DESCRIPTIONS[pattern]
        return parameters

    def get_tags(self) -> list[str]:
        segments = self._tokenize_path()
        for index in reversed(range(len(segments))):
            for key in ("/".join(segments[index - 1 : index + 1]), segments[index]):
                if key in RESOURCE_TAGS:
                    return [RESOURCE_TAGS[key]]
        # A path this table does not know yet: its first segment, capitalised.
        first = segments[0] if segments else "API"
        return [first[:1].upper() + first[1:].replace("-", " ")]

    def _insert_field_validators(self, field, schema):
        """A validator with an ``openapi_pattern`` (a rule the server checks with a regular
        expression) declares it, so the schema admits no value the server refuses. An
        ``EmailAddressField`` is declared by its pattern alone: ``format: email`` admits
        addresses the server refuses (``0@0.a``) and refuses some the pattern admits."""
        super()._insert_field_validators(field, schema)
        for validator in field.validators:
            pattern = getattr(validator, "openapi_pattern", None)
            if pattern:
                schema["pattern"] = pattern
        if isinstance(field, serializers.EmailField):
            # ``format: email`` is not Django's rule: it refuses addresses Django stores
            # (``{x}@bank.example`` …) and admits some it refuses (``0@0.a``). An address a
            # request names is declared by the pattern it is held to; one in a response is
            # text, as stored.
            schema.pop("format", None)
        if isinstance(field, EmailAddressField):
            schema["pattern"] = EMAIL_PATTERN

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


# The embed manifest ---------------------------------------------------------------------------
# ``/embed/v1/manifest`` is a plain Django view (it answers from Redis before Django REST
# framework would have parsed anything), so drf-spectacular cannot see it; its operation is
# written here and appended to the generated document.

EMBED_API_KEY_SCHEME = "embedApiKey"

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}

_EMBED_MANIFEST_SCHEMA = {
    "type": "object",
    "description": "What an embedded player needs to render a published channel. File URLs "
    "are absolute and signed; they expire, so fetch the manifest again rather than storing them.",
    "properties": {
        "organizationId": {"type": "string", "format": "uuid"},
        "projectId": {"type": "string", "format": "uuid"},
        "templateId": {"type": "string", "format": "uuid"},
        "templateVersion": {"type": "string", "examples": ["1.0"]},
        "kind": {"$ref": "#/components/schemas/TemplateKindEnum"},
        "templateUrl": _NULLABLE_URL,
        "manifestUrl": _NULLABLE_URL,
        "overlayUrl": _NULLABLE_URL,
        "videoUrl": _NULLABLE_URL,
        "posterUrl": _NULLABLE_URL,
    },
    "required": [
        "organizationId",
        "projectId",
        "templateId",
        "templateVersion",
        "kind",
        "templateUrl",
        "manifestUrl",
        "overlayUrl",
        "videoUrl",
        "posterUrl",
    ],
}

_EMBED_MANIFEST_OPERATION = {
    "operationId": "embed_manifest_retrieve",
    "summary": "The manifest of a published distribution channel",
    "description": "Public endpoint for embedded players, authenticated by an API credential's "
    "key (`pk_…`, never the secret) in the `X-Percus-Api-Key` header. The credential must "
    "belong to the channel's project and allow its channel. Answers with "
    "`Access-Control-Allow-Origin: *` and `Cache-Control: no-store`.",
    "tags": ["Embed"],
    "security": [{EMBED_API_KEY_SCHEME: []}],
    "parameters": [
        {
            "name": "channelHandle",
            "in": "query",
            "required": True,
            "description": "The distribution channel's handle (e.g. `Website`).",
            "schema": {"type": "string", "maxLength": 32},
        }
    ],
    "responses": {
        "200": {
            "description": "The manifest",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/EmbedManifest"}}
            },
        },
        "400": {"description": "Invalid request", "content": _PROBLEM},
        "401": {
            "description": "Missing API key, or a key that is unknown, revoked, expired or "
            "belongs to another project",
            "content": _PROBLEM,
        },
        "404": {
            "description": "No published channel with this handle (or one the key may not read)",
            "content": _PROBLEM,
        },
        "405": {"description": "Only GET (and OPTIONS) are allowed", "content": _PROBLEM},
        "429": {"description": "Rate limited; see Retry-After", "content": _PROBLEM},
    },
}


def add_embed_manifest(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: append the embed manifest's operation, schema and security scheme."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["EmbedManifest"] = _EMBED_MANIFEST_SCHEMA
    components.setdefault("securitySchemes", {})[EMBED_API_KEY_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-Percus-Api-Key",
        "description": "An API credential's public key (`pk_…`); the secret is never sent.",
    }
    result.setdefault("paths", {})["/embed/v1/manifest"] = {"get": _EMBED_MANIFEST_OPERATION}
    return result
