"""The OpenAPI schema (drf-spectacular): every operation also lists the errors it may answer, in the one shape
of crm_site/api/errors.py, so that a client (and Schemathesis) can rely on them."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("A stable code: validation_error, not_found, workflow_refused…"))
    message = serializers.CharField(help_text=_("What went wrong, in the request's language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For a validation error: the messages of each field."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _error(description) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ALWAYS = {
    "400": _error(_("Invalid input or query parameter (validation_error, parse_error).")),
    "401": _error(_("Not signed in, or an invalid or revoked token (not_authenticated).")),
    "403": _error(_("The access policy refuses this action (permission_denied).")),
    "404": _error(_("Unknown, or not visible to this user (not_found).")),
    "405": _error(_("Method not allowed here (method_not_allowed).")),
    "406": _error(_("The Accept header asks for a format the API does not give (not_acceptable).")),
    "429": _error(_("Too many requests (throttled).")),
}
WRITES = {
    "409": _error(_("The work's rules refuse it now (workflow_refused, stale): the message says why.")),
    "415": _error(_("The body is not in the operation's format: JSON, multipart for files (unsupported_media_type).")),
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = {**ALWAYS, **(WRITES if self.method in ("POST", "PUT", "PATCH") else {})}
        public = getattr(self.view, "schema_public", False)
        for code, response in extra.items():
            if code not in responses and not (public and code == "401"):
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _is_list_view(self, serializer=None) -> bool:
        # Our list views are plain GenericAPIViews: they say so (paged responses, filter parameters).
        if self.method == "GET" and getattr(self.view, "list_endpoint", False):
            return True
        return super()._is_list_view(serializer)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "crm_site.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(_("“Token <key>” (or “Bearer <key>”): a key from the API tokens page.")),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "crm_site.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
