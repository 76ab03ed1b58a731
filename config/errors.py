"""The answer to an unhandled exception: a database outage is a 503 with Retry-After (a short
"temporarily unavailable" page, a SCIM error body under /scim/, problem details under /api/), anything
else Django's 500 (problem details under /api/).

Django routes every uncaught exception here, including those raised in middleware before a view
runs (the session, the signed-in user and the console's org are all read from the database).
"""

from __future__ import annotations

import json
import sys
from http import HTTPStatus

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

from .scim_paths import is_scim_path

# Raised when the server is down, unreachable or restarting, and when a statement or lock timeout
# fires (psycopg's QueryCanceled and LockNotAvailable are OperationalErrors, and Django keeps the kind).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def retry_after_headers() -> dict[str, str]:
    return {"Retry-After": str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)}


def unavailable_response(request) -> HttpResponse:
    retry_after = retry_after_headers()["Retry-After"]
    if request.path.startswith("/api/"):
        response = api_problem(503, "The service is temporarily unavailable; retry after the Retry-After seconds.")
    elif is_scim_path(request.path_info):
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "503",
                "detail": "The service is temporarily unavailable; retry after the Retry-After seconds."}
        response = HttpResponse(json.dumps(body), status=503, content_type="application/scim+json")
    else:
        response = HttpResponse(loader.render_to_string("unavailable.html", {"retry_after": retry_after}),
                                status=503)
    response["Retry-After"] = retry_after
    response["Cache-Control"] = "no-store"
    return response


def problem_body(status: int, detail: str) -> dict:
    """The management API's error shape: RFC 9457 problem details (api.errors adds field errors)."""
    return {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}


def api_problem(status: int, detail: str) -> HttpResponse:
    """Problem details for what fails before or outside the API's views."""
    return HttpResponse(json.dumps(problem_body(status, detail)), status=status, content_type="application/problem+json")


def server_error(request, template_name="500.html"):
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return api_problem(500, "Something went wrong on our side; it has been logged.")
    return django_server_error(request, template_name)
