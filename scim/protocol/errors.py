"""SCIM errors (RFC 7644 §3.12) built on django-scim2's exception classes, and the one translation of
the directory's domain errors into them (scim_error_from)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_scim import exceptions as scim_exceptions

from tenants.errors import Conflict, NotFound, PreconditionFailed


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


# full_clean names model fields; a client knows SCIM attributes. Fields not listed are named by
# camelCasing (display_name -> displayName); value/type/display are ScimUserEmail's.
_SCIM_NAMES = {
    "user_name": "userName", "external_id": "externalId", "name_formatted": "name.formatted",
    "family_name": "name.familyName", "given_name": "name.givenName", "middle_name": "name.middleName",
    "honorific_prefix": "name.honorificPrefix", "honorific_suffix": "name.honorificSuffix",
    "manager_id": "manager.value", "manager_display_name": "manager.displayName",
    "value": "emails.value", "type": "emails.type", "display": "emails.display",
}


def scim_attribute_name(field: str) -> str:
    if field in _SCIM_NAMES:
        return _SCIM_NAMES[field]
    head, *rest = field.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _validation_detail(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):  # full_clean: name the SCIM attribute each message is about
        return " ".join(f"{scim_attribute_name(field)}: {message}" for field, messages in error.message_dict.items()
                        for message in messages)
    return " ".join(error.messages)


def scim_error_from(error: Exception) -> ScimError | None:
    """The SCIM error for a domain error a service or selector raised (None: not one of them)."""
    if isinstance(error, ScimError):
        return error
    if isinstance(error, ValidationError):
        return invalid_value(_validation_detail(error))
    if isinstance(error, Conflict):
        return uniqueness(str(error))
    if isinstance(error, NotFound):
        return ScimError(404, str(error))
    if isinstance(error, PreconditionFailed):
        return ScimError(412, str(error))
    return None
