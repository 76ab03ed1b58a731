"""Turns the credential of a SCIM request into a Principal: the org it acts for and what it may do.

This is the only place a request's org is decided for the SCIM service (DESIGN.md invariant 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone

from .models import ScimToken, hash_bearer_token


class CredentialError(Exception):
    """The request carries no usable credential (401) or lacks a scope (403)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Principal:
    org: object  # tenants.models.Organization
    scopes: frozenset[str]
    credential_name: str
    credential: object = field(repr=False, compare=False)

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise CredentialError(403, f"This credential lacks the {scope} scope.")


def bearer_token_from(request: HttpRequest) -> str:
    if "access_token" in request.GET:
        # RFC 6750 §2.3 allows it, RFC 9700 §4.3.2 says not to: URLs end up in logs.
        raise CredentialError(401, "Send the token in the Authorization header, not in the URL.")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CredentialError(401, "An Authorization: Bearer token is required.")
    return token.strip()


def principal_from_request(request: HttpRequest) -> Principal:
    raw = bearer_token_from(request)
    principal = _principal_from_scim_token(raw)
    if principal is None:
        raise CredentialError(401, "The bearer token is invalid, expired or revoked.")
    return principal


def _principal_from_scim_token(raw: str) -> Principal | None:
    token = (
        ScimToken.objects.unscoped_for_credential_lookup()
        .select_related("org")
        .filter(token_hash=hash_bearer_token(raw), revoked__isnull=True)
        .first()
    )
    if token is None or (token.expires is not None and token.expires <= timezone.now()):
        return None
    return Principal(org=token.org, scopes=frozenset(token.scopes), credential_name=token.name, credential=token)
