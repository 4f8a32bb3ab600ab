"""The API's one error shape: `{"error": {"code", "message", "details"}}`, for every status.

DRF's exception handler is the single place where domain errors (socrates.errors) and DRF's
own exceptions become HTTP responses; Django-level 404/500 under /api/ use the same shape.
"""

import logging
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from socrates import errors
from socrates.api.exceptions import RequestTooLarge
from socrates.concurrency import conflict_retry_error, is_retryable
from socrates.observability import current_request_id

logger = logging.getLogger("socrates.api")

DRF_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}

DRF_CODES[RequestTooLarge] = "request_too_large"


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _first_message(details) -> str:
    """Return a readable one-line summary naming the first offending field."""
    if isinstance(details, dict):
        for field, value in details.items():
            inner = _first_message(value)
            if field in ("non_field_errors", "detail"):
                return inner
            return f"{field}: {inner}"
    if isinstance(details, list) and details:
        return _first_message(details[0])
    return str(details)


def exception_handler(exc, context):
    """Map any exception raised in a DRF view to the single error shape."""
    set_rollback()
    if isinstance(exc, errors.DomainError):
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    if isinstance(exc, OperationalError) and is_retryable(exc):
        # A deadlock or serialization failure that outlived the services' retries.
        logger.warning("Retryable database conflict in %s: %s", _view_name(context), exc)
        error = conflict_retry_error()
        return Response(error_body(error.code, error.message), status=error.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = RequestTooLarge(f"The request body is larger than {limit} bytes.")
    elif isinstance(exc, TooManyFieldsSent):
        exc = RequestTooLarge("The request has too many fields.")
    elif isinstance(exc, IntegrityError):
        # A race the service could not see coming (two writers, one unique key): the state
        # changed under the request, which is a conflict, not a server fault.
        logger.warning("Integrity error in %s: %s", _view_name(context), exc)
        return Response(
            error_body("conflict", "The request conflicts with the current state; retry."),
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, DataError):
        # Input that passed validation but not the database (a value out of a column's range).
        logger.warning("Data error in %s: %s", _view_name(context), exc)
        return Response(
            error_body("invalid", "A value is out of the range the database accepts."),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.APIException):
        code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), "error")
        if isinstance(exc, exceptions.ValidationError):
            details = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            message = _first_message(details)
        elif isinstance(exc.detail, dict):
            # e.g. simplejwt's {"detail": "Token is invalid", "code": ..., "messages": [...]}
            details = {key: value for key, value in exc.detail.items() if key != "detail"}
            message = str(exc.detail.get("detail") or _first_message(details))
        else:
            details = {}
            message = str(exc.detail)
        response = Response(error_body(code, message, details), status=exc.status_code)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response
    logger.exception("Unhandled error in %s", _view_name(context))
    return Response(server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def server_error_body() -> dict:
    """A 5xx answer names the request id, so a report leads to the request's log lines."""
    return error_body(
        "server_error",
        "An unexpected error occurred.",
        {"request_id": current_request_id()},
    )


def _view_name(context) -> str:
    return context.get("view").__class__.__name__ if context else "?"


def json_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", f"No resource at {request.path}."), status=404)


def json_server_error(request):
    return JsonResponse(server_error_body(), status=500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the API's error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                "csrf_failed",
                "CSRF check failed: a request authenticated by the session cookie must send "
                "the X-CSRFToken header; API clients should use a Bearer token.",
                {"reason": reason},
            ),
            status=403,
        )
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)
