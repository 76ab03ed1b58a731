"""The rules django-oauth-toolkit's OAuth2Validator lacks for this product (OAUTH2_VALIDATOR_CLASS)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import timedelta
from urllib.parse import unquote_plus

from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from tenants.models import Membership
from tenants.scoping import org_scope

from .scopes import OFFLINE_ACCESS
from .selectors import application_for_client_id

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

# Okta may send the same refresh token twice within a few seconds (a retried request whose
# response it never saw); see TenantOAuth2Validator.validate_refresh_token.
REFRESH_REPLAY_WINDOW = timedelta(seconds=10)


def approver_may_still_act(user, application) -> bool:
    """An auth-code token acts for the admin who approved it, only while they remain an active
    owner or admin of the application's org."""
    if user is None or not user.is_active:
        return False
    with org_scope(application.org):
        return Membership.objects.filter(
            user=user, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
        ).exists()


class TenantOAuth2Validator(OAuth2Validator):
    def _load_application(self, client_id, request):
        """Applications are tenant rows: resolve the client id across orgs here, the one place a
        client credential is turned into its org (DOT's own lookup would raise outside a scope)."""
        if request.client is not None and getattr(request.client, "client_id", None) == client_id:
            return request.client if request.client.is_usable(request) else None
        request.client = None
        client = application_for_client_id(client_id)
        if client is None or not client.is_usable(request):
            return None
        request.client = client
        return client

    def authenticate_client(self, request, *args, **kwargs):
        """Also accept the previous secret while a rotation's grace period lasts."""
        if super().authenticate_client(request, *args, **kwargs):
            return True
        client_id, secret = self._presented_client_credentials(request)
        if not client_id or not secret or self._load_application(client_id, request) is None:
            return False
        return request.client.previous_secret_matches(secret)

    def _presented_client_credentials(self, request) -> tuple[str | None, str | None]:
        auth_string = self._extract_basic_auth(request)
        if auth_string:
            try:
                decoded = base64.b64decode(auth_string).decode("utf-8")
                client_id, secret = map(unquote_plus, decoded.split(":", 1))
            except (TypeError, ValueError, binascii.Error, UnicodeDecodeError):
                return None, None
            return client_id, secret
        return getattr(request, "client_id", None), getattr(request, "client_secret", None)

    def is_pkce_required(self, client_id, request):
        """S256 PKCE is required of public clients; confidential ones (Okta with a client secret)
        may use it. Whether a challenge was sent is remembered on the grant (see validate_code)."""
        if self._load_application(client_id, request) is None:
            return True
        return request.client.client_type == Application.CLIENT_PUBLIC

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        grant = Grant.objects.filter(code=code, application=client).select_related("user").first()
        # PKCE downgrade: oauthlib 3 ignores a code_verifier when the code was issued without a
        # challenge, so an attacker holding a stolen code could pass any verifier. Refuse it.
        if grant is None or (not grant.code_challenge and getattr(request, "code_verifier", None)):
            return False
        return approver_may_still_act(grant.user, client)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """Rotation with reuse detection (DOT), plus tolerance for Okta sending one refresh token
        twice within seconds.

        Okta retries a refresh whose response it did not receive, with the same (now rotated)
        refresh token. DOT's grace period would answer with the stored successor tokens, which
        RFC 9700 storage (hashed at rest) cannot do, and it refuses the combination (E001). Here a
        replay of a token that rotation superseded less than REFRESH_REPLAY_WINDOW ago, by the
        same client, mints a fresh sibling pair in the same token family (nothing secret is kept
        to answer it). A later replay, or a replay of a deliberately revoked token, goes to DOT,
        which revokes the whole family.
        """
        replayed = self._recently_rotated(refresh_token, client)
        if replayed is not None:
            request.user = replayed.user
            request.refresh_token = refresh_token
            request.refresh_token_instance = replayed
            request.refresh_token_replay = True
            valid = True
        else:
            valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and approver_may_still_act(request.user, client)

    def _recently_rotated(self, refresh_token, client):
        checksum = hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()
        token = (
            RefreshToken.objects.filter(token_checksum=checksum, application=client, revoked__isnull=False)
            .select_related("user")
            .order_by("-revoked")
            .first()
        )
        if token is None or token.revoked <= timezone.now() - REFRESH_REPLAY_WINDOW:
            return None
        if RefreshToken.objects.filter(token_checksum=checksum, revoked__isnull=True).exists():
            return None
        superseded = AccessToken.objects.filter(source_refresh_token=token).exists()
        return token if superseded else None

    def _save_bearer_token(self, token, request, *args, **kwargs):
        if request.grant_type == "authorization_code" and OFFLINE_ACCESS not in token["scope"].split():
            # Refresh tokens only for a grant that asked to stay connected; oauthlib serialises
            # this same dict, so the response loses it too.
            token.pop("refresh_token", None)
        if not getattr(request, "refresh_token_replay", False):
            return super()._save_bearer_token(token, request, *args, **kwargs)
        previous = request.refresh_token_instance
        self._check_and_set_request_resource(request)
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        # The superseded token already has its successor (a one-to-one link), so the sibling
        # access token carries no source; the family link is what reuse detection follows.
        access_token = self._create_access_token(expires, request, token)
        self._create_refresh_token(request, token["refresh_token"], access_token, previous)
