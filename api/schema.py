"""The OpenAPI schema: every operation documents the errors it may answer, each with the error body."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from .serializers import ErrorSerializer

# Any operation may answer these: bad input, authentication, permission (a read-only token, CSRF),
# a forbidden or missing object, a refused change, a method, media type or rate it does not take.
COMMON_ERRORS = ("400", "401", "403", "404", "405", "406", "409", "415", "429")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in COMMON_ERRORS:
            responses.setdefault(code, self._get_response_for_code(ErrorSerializer, code, direction=direction))
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (Preferences → API tokens)."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The browser's session (CSRF token on changes).",
        }
