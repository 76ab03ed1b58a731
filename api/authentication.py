"""The management API's only credential: an org's API key, `Authorization: Bearer <key>`.

SCIM tokens and OAuth access tokens are a different kind of credential (they act for an IdP) and
are never accepted here; nor is a console session.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from accounts.client_address import client_address
from oauthapps.credentials import CredentialError, api_key_principal, bearer_token_from


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        if not request.headers.get("Authorization") and "access_token" not in request.GET:
            return None  # NotAuthenticated: 401 with WWW-Authenticate
        try:
            raw = bearer_token_from(request)
        except CredentialError as error:
            raise exceptions.AuthenticationFailed(error.detail) from None
        principal = api_key_principal(raw, client_address(request))
        if principal is None:
            raise exceptions.AuthenticationFailed("The API key is invalid, expired or revoked.")
        return principal, principal.key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
