"""Every error the API answers is JSON: a stable ``code``, a human ``message`` and, for invalid
input, ``fields`` (each field's messages) or ``rows`` (each bad row of an import).

Domain errors raised by the services (the same ones the pages turn into messages) map to one
status and code each in ``DOMAIN_ERRORS``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from assignments.errors import DuplicateAssignment, InvalidDueDate, ResolutionNotAllowed
from assignments.services.groups import AlreadyEnrolled, NotEnrollable, NotEnrolled, WithdrawalNotAllowed
from reporting.errors import ReportError

# Domain error → (HTTP status, stable code). The message is the error's own text.
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str]] = {
    DuplicateAssignment: (status.HTTP_409_CONFLICT, "duplicate_assignment"),
    InvalidDueDate: (status.HTTP_400_BAD_REQUEST, "invalid_due_date"),
    ResolutionNotAllowed: (status.HTTP_400_BAD_REQUEST, "resolution_not_allowed"),
    NotEnrollable: (status.HTTP_409_CONFLICT, "not_enrollable"),
    AlreadyEnrolled: (status.HTTP_409_CONFLICT, "already_enrolled"),
    NotEnrolled: (status.HTTP_409_CONFLICT, "not_enrolled"),
    WithdrawalNotAllowed: (status.HTTP_409_CONFLICT, "withdrawal_not_allowed"),
    ReportError: (status.HTTP_400_BAD_REQUEST, "invalid_report"),
}

# DRF's own error classes → the code we answer (DRF's default codes, renamed where ours read better).
CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}

# Codes given where the error is raised (authentication and permissions).
RAISED_CODES = {"invalid_token", "token_expired", "token_revoked", "read_only_token", "csrf_failed", "inactive_user"}

MESSAGES = {
    "invalid": "The request has invalid values; see fields.",
    "not_found": "Not found.",
    "not_authenticated": "Sign in, or send an API token: Authorization: Bearer <token>.",
}


class ApiError(exceptions.APIException):
    """An error with our own code and message (and optional extra members of the body)."""

    def __init__(self, *, status_code: int, code: str, message: str, **extra):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.extra = extra


class InvalidRows(ApiError):
    """An import with bad rows: nothing was written; ``rows`` lists each bad row and why."""

    def __init__(self, rows: list[dict]):
        super().__init__(
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid_rows",
            message=f"{len(rows)} row(s) are invalid; nothing was imported.",
            rows=rows,
        )


def field_errors(detail) -> dict:
    """DRF's validation detail as ``{field: [messages]}`` (nested objects keep their shape)."""
    if isinstance(detail, dict):
        return {str(key): field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [field_errors(item) for item in detail]
    return [str(detail)]


def form_errors(form) -> exceptions.ValidationError:
    """A Django form's errors (the page's own rules) as the API's validation error."""
    errors = {
        ("non_field_errors" if name == "__all__" else name): list(messages) for name, messages in form.errors.items()
    }
    return exceptions.ValidationError(errors)


def _translate(exc):
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    for error_class, (status_code, code) in DOMAIN_ERRORS.items():
        if isinstance(exc, error_class):
            return ApiError(status_code=status_code, code=code, message=str(exc))
    return exc


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body = {"code": exc.error_code, "message": str(exc.detail), **exc.extra}
    elif isinstance(exc, exceptions.ValidationError):
        fields = field_errors(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        body = {"code": "invalid", "message": MESSAGES["invalid"], "fields": fields}
    else:
        code = _code(exc)
        detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
        message = MESSAGES.get(code) or (str(detail) if not isinstance(detail, list | dict) else code)
        body = {"code": code, "message": message}
    response.data = body
    return response


def _code(exc) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if codes in RAISED_CODES:
        return codes
    for error_class in type(exc).__mro__:
        if error_class in CODES:
            return CODES[error_class]
    return "error"
