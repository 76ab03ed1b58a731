"""SCIM errors (RFC 7644 §3.12) built on django-scim2's exception classes, and their HTTP responses."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django_scim import exceptions as scim_exceptions
from django_scim.constants import SchemaURI

SCIM_CONTENT_TYPE = "application/scim+json"


class ScimError(scim_exceptions.SCIMException):
    """Any SCIM error: an HTTP status, an optional scimType and a detail a person understands."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None, headers: dict | None = None):
        super().__init__(detail, status=status, scim_type=scim_type)
        self.headers = headers or {}

    def to_dict(self):
        body = super().to_dict()
        body["status"] = str(self.status)  # RFC 7644 §3.12: a string; Okta's examples are wrong.
        return body


def _typed_error(status: int, scim_type: str):
    """A constructor of the ScimError with this status and scimType (RFC 7644 Table 9)."""

    def build(detail: str) -> ScimError:
        return ScimError(status, detail, scim_type)

    return build


invalid_value = _typed_error(400, "invalidValue")
invalid_filter = _typed_error(400, "invalidFilter")
invalid_syntax = _typed_error(400, "invalidSyntax")
invalid_path = _typed_error(400, "invalidPath")
no_target = _typed_error(400, "noTarget")
uniqueness = _typed_error(409, "uniqueness")


def not_found(resource_id: str) -> ScimError:
    # The same words for another org's id and one that never existed (invariant 1).
    return ScimError(404, f"Resource {resource_id} not found.")


def scim_json_response(body: dict | None, status: int = 200, headers: dict | None = None) -> HttpResponse:
    content = b"" if body is None else json.dumps(body).encode()
    response = HttpResponse(content, status=status, content_type=SCIM_CONTENT_TYPE if body is not None else None)
    if body is None:
        del response["Content-Type"]
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error_response(error: ScimError) -> HttpResponse:
    return scim_json_response(error.to_dict(), status=error.status, headers=error.headers)


ERROR_SCHEMA = SchemaURI.ERROR
