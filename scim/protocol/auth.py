"""A SCIM request's credential -> Principal, as SCIM errors (401 with WWW-Authenticate, 403)."""

from __future__ import annotations

from contextlib import contextmanager

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
    "bulk": None,  # any credential; each operation inside needs its own scope (endpoints.bulk)
}


@contextmanager
def _as_scim_errors():
    try:
        yield
    except CredentialError as error:
        headers = {"WWW-Authenticate": 'Bearer realm="SCIM"'} if error.status == 401 else {}
        raise ScimError(error.status, error.detail, headers=headers) from None


def authenticate(request: HttpRequest) -> Principal:
    with _as_scim_errors():
        return principal_from_request(request)


def require_scope(principal: Principal, operation: str) -> None:
    if SCOPE_BY_OPERATION[operation] is None:
        return
    with _as_scim_errors():
        principal.require(SCOPE_BY_OPERATION[operation])
