"""A SCIM request's credential -> Principal, as SCIM errors (401 with WWW-Authenticate, 403)."""

from __future__ import annotations

from django.http import HttpRequest

from oauthapps import scopes
from oauthapps.credentials import CredentialError, Principal, principal_from_request

from .errors import ScimError

SCOPE_BY_OPERATION = {
    "list": scopes.LIST,
    "read": scopes.READ,
    "create": scopes.CREATE,
    "update": scopes.UPDATE,
    "delete": scopes.DELETE,
}


def authenticate(request: HttpRequest, operation: str) -> Principal:
    try:
        principal = principal_from_request(request)
        principal.require(SCOPE_BY_OPERATION[operation])
    except CredentialError as error:
        headers = {"WWW-Authenticate": 'Bearer realm="SCIM"'} if error.status == 401 else {}
        raise ScimError(error.status, error.detail, headers=headers) from None
    return principal
