"""One JSON error shape for the whole API:
``{"error": {"code": "...", "message": "...", "fields": {"field": ["message", ...]}}}``.

DRF's exceptions, Django's Http404 and PermissionDenied, and the workflow's refusals (complaints, customers,
surveys) all come out in it, translated into the request's language."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from complaints.workflow import StaleForm, WorkflowError
from customers.workflow import CustomerError
from satisfaction.answer_views import PROBLEMS
from satisfaction.services import LinkProblem, SurveyError

from .services import TokenError

# Refusals by the rules of the work itself (not of the policy): the request was understood but cannot be done now.
REFUSALS = (WorkflowError, CustomerError, SurveyError, TokenError)

CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "remedies.0.amount": [...]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            fields.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            fields.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, list):
        if detail:
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def validation_response(detail) -> dict:
    fields = _flatten(detail)
    general = fields.pop("non_field_errors", []) + fields.pop("__all__", [])
    message = " ".join(general) if general else _("Please correct the errors below.")
    if general and fields:
        fields["non_field_errors"] = general
    return error_body("validation_error", message, fields)


def exception_handler(exc, context):
    if isinstance(exc, LinkProblem):
        link_status, _title, sentence = PROBLEMS[exc.reason]
        return Response(error_body(f"link_{exc.reason}", sentence), status=link_status)
    if isinstance(exc, REFUSALS):
        code = "stale" if isinstance(exc, StaleForm) else "workflow_refused"
        return Response(error_body(code, str(exc)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a fault: Django's 500 handling, logging and mail
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_response(exc.detail)
        return response
    code = next((code for cls, code in CODES.items() if isinstance(exc, cls)), "error")
    message = exc.detail if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str) else exc
    response.data = error_body(code, str(message))
    return response


def not_found(request, *args, **kwargs):
    """Any other address under /api/: the JSON 404, not the site's HTML page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)
