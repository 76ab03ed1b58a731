"""One error shape for the whole management API: RFC 9457 problem details (application/problem+json).

    {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No such domain.",
     "errors": {"name": ["..."]}}

`errors` appears on 400s only, field name -> messages ("non_field_errors" for the request as a whole).
Domain errors of the services map here once: NotFound 404 (another org's row too), PermissionDenied
403, ValidationError 400, Conflict 409, PreconditionFailed 412, RateLimited 429 with Retry-After.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from config.errors import problem_body
from tenants.errors import Conflict, NotFound, PreconditionFailed
from tenants.rate_limits import RateLimited

PROBLEM_JSON = "application/problem+json"


def problem(status: int, detail: str, *, errors: dict | None = None, headers: dict | None = None) -> Response:
    body = problem_body(status, detail)
    if errors:
        body["errors"] = errors
    return Response(body, status=status, headers=headers, content_type=PROBLEM_JSON)


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(field): [str(message) for message in (messages if isinstance(messages, list) else [messages])]
                for field, messages in detail.items()}
    return {"non_field_errors": [str(message) for message in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every refusal as problem details; anything else is a bug (a 500)."""
    if isinstance(exc, (NotFound, Http404)):
        return problem(404, str(exc) or "Not found.")
    if isinstance(exc, PermissionDenied):
        return problem(403, str(exc) or "You may not do this.")
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return problem(400, " ".join(exc.messages), errors=errors)
    if isinstance(exc, Conflict):
        return problem(409, str(exc))
    if isinstance(exc, PreconditionFailed):
        return problem(412, str(exc))
    if isinstance(exc, RateLimited):
        return problem(429, exc.detail, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            return problem(400, "The request is not valid.", errors=_field_errors(exc.detail), headers=headers)
        return problem(exc.status_code, str(exc.detail), headers=headers)
    return None
