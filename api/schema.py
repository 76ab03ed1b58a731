"""What drf-spectacular cannot see by itself: how an API key is sent, and the one error shape."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .errors import PROBLEM_JSON

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` (400 only) maps each field to its messages.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "title", "status", "detail"],
}
ERRORS = {
    "400": "The request is not valid: `errors` names each field and what was wrong.",
    "401": "No API key, or an unknown, expired or revoked one.",
    "403": "A read-only key tried to write, or the key's role may not do this.",
    "404": "No such object in this organization (another organization's object is the same).",
    "405": "This path does not take this method.",
    "406": "Ask for application/json.",
    "409": "The change conflicts with the organization's data.",
    "412": "The object changed since it was read.",
    "415": "Send application/json.",
    "429": "Too many requests for this key or organization: retry after Retry-After seconds.",
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An organization's API key, from the console."}


def document_errors(result, generator, **kwargs):
    """drf-spectacular postprocessing hook: every operation answers its errors as problem details."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERRORS.items():
                operation["responses"].setdefault(status, {"description": description, "content": problem})
    return result
