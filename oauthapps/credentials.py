"""Turns the credential of a SCIM request into a Principal: the org it acts for and what it may do.

This is the only place a request's org is decided for the SCIM service (DESIGN.md invariant 2).
Its lookups span orgs on purpose: a token is resolved to its org before any org is known; every
step after that (scim_token_touch, the SCIM request itself) is bound to that org.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tenants.audit import Actor
from tenants.prepared_queries import PreparedQuery

from .models import ApiKey, Application, ScimToken, hash_bearer_token
from .selectors import api_key_acting_role
from .services import api_key_touch, scim_token_touch
from .validators import approver_may_still_act

AccessToken = get_access_token_model()


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
    # The admin an auth-code token acts for; None for client credentials and SCIM tokens.
    actor_user: object = field(default=None, repr=False, compare=False)

    @property
    def credential_label(self) -> str:
        """How the audit log names this credential: its kind, name and public id."""
        if isinstance(self.credential, ScimToken):
            return f'SCIM token "{self.credential_name}" ({self.credential.public_id})'
        return f'OAuth app "{self.credential_name}" ({self.credential.client_id})'

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
    # One lookup per request: the token's shape says which table can hold it.
    if ScimToken.RAW_MARKER in raw:
        principal = _principal_from_scim_token(raw)
    else:
        principal = _principal_from_access_token(raw, request)
    if principal is None:
        raise CredentialError(401, "The bearer token is invalid, expired or revoked.")
    return principal


def refused_scim_token(request: HttpRequest) -> ScimToken | None:
    """The org's SCIM token a refused request carried, if it is one that was revoked or expired: its
    org's provisioning log shows the 401 (an IdP still using an old token). A made-up token finds nothing."""
    try:
        raw = bearer_token_from(request)
    except CredentialError:
        return None
    return (
        ScimToken.objects.unscoped_for_credential_lookup().select_related("org")
        .filter(token_hash=hash_bearer_token(raw)).first()
    )


def _live_credential_query(model, hash_field: str) -> PreparedQuery:
    return PreparedQuery(lambda digest: model.objects.unscoped_for_credential_lookup().select_related("org")
                         .filter(**{hash_field: digest}, revoked__isnull=True)[:1])


# Every SCIM request and management API call looks its credential up: compiled once (issue 14).
_LIVE_CREDENTIAL = {ScimToken: _live_credential_query(ScimToken, "token_hash"),
                    ApiKey: _live_credential_query(ApiKey, "key_hash")}
_ACCESS_TOKEN = PreparedQuery(lambda checksum: AccessToken.objects.select_related(
    "application", "application__org", "user").filter(token_checksum=checksum)[:1])


def _live_credential(model, raw: str):
    """The unrevoked, unexpired SCIM token or API key whose hash is `raw`'s, in any org, with its org."""
    credential = _LIVE_CREDENTIAL[model].first(digest=hash_bearer_token(raw))
    if credential is None or (credential.expires is not None and credential.expires <= timezone.now()):
        return None
    return credential


def _principal_from_scim_token(raw: str) -> Principal | None:
    token = _live_credential(ScimToken, raw)
    if token is None:
        return None
    scim_token_touch(org=token.org, token=token)
    return Principal(org=token.org, scopes=frozenset(token.scopes), credential_name=token.name, credential=token)


def _principal_from_access_token(raw: str, request: HttpRequest) -> Principal | None:
    """An OAuth access token, found the way django-oauth-toolkit finds it under hashed storage
    (SHA-256 of the raw token in token_checksum); its org is its application's."""
    token = _ACCESS_TOKEN.first(checksum=hashlib.sha256(raw.encode("utf-8")).hexdigest())
    if token is None or token.application is None or token.is_expired():
        return None
    # RFC 8707: a token the IdP asked to restrict to a resource is good there only.
    if token.resource and not token.allows_audience(settings.PUBLIC_BASE_URL + request.path):
        return None
    application = token.application
    if application.status != Application.Status.ACTIVE:
        return None
    actor = None
    if application.is_authorization_code:
        if not approver_may_still_act(token.user, application):
            return None
        actor = token.user
    return Principal(
        org=application.org,
        scopes=frozenset(token.scope.split()) & frozenset(application.allowed_scopes),
        credential_name=application.name,
        credential=application,
        actor_user=actor,
    )


# --- The management API's keys ---------------------------------------------------------------------


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """The caller of the management API: the org its key belongs to, the key, and the actor services
    record (a credential acting with the key's role, capped by its creator's)."""

    org: object  # tenants.models.Organization
    key: ApiKey = field(repr=False)
    actor: Actor = field(repr=False)
    # DRF makes the principal request.user: it is authenticated, and no account (pk None, for the request log).
    is_authenticated = True
    pk = None


def api_key_principal(raw: str, address: str | None = None) -> ApiKeyPrincipal | None:
    """The principal of a raw management API key, or None when it is unknown, revoked, expired, or
    its creator may no longer act. Only API keys: a SCIM token or OAuth token is never one."""
    key = _live_credential(ApiKey, raw)
    if key is None:
        return None
    role = api_key_acting_role(org=key.org, key=key)
    if role is None:
        return None
    api_key_touch(org=key.org, key=key)
    actor = Actor.credential(f'API key "{key.name}" ({key.public_id})', address, role=role)
    return ApiKeyPrincipal(org=key.org, key=key, actor=actor)
