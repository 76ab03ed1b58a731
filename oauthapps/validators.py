"""The rules django-oauth-toolkit's OAuth2Validator lacks for this product (OAUTH2_VALIDATOR_CLASS)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import unquote_plus

from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from tenants.models import Membership
from tenants.scoping import org_scope

from .models import ExchangedCode
from .scopes import OFFLINE_ACCESS
from .selectors import application_for_client_id

log = logging.getLogger(__name__)

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

# Okta may send the same refresh token twice within a few seconds (a retried request whose
# response it never saw); see TenantOAuth2Validator.validate_refresh_token.
REFRESH_REPLAY_WINDOW = timedelta(seconds=10)


def checksum(raw: str) -> str:
    """How DOT stores tokens under RFC 9700 storage, and how exchanged codes are remembered."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def basic_client_credentials(encoded: str) -> tuple[str, str] | None:
    """(client id, secret) of an HTTP Basic credential (RFC 6749 §2.3.1: each part form-urlencoded);
    None when it isn't one."""
    try:
        client_id, secret = map(unquote_plus, base64.b64decode(encoded).decode("utf-8").split(":", 1))
    except (TypeError, ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


def revoke_tokens_of_reused_code(client, code: str) -> bool:
    """RFC 6749 §4.1.2: a code presented again revokes the tokens its first exchange issued.

    Returns whether the code had been exchanged before. The refresh token's whole family goes, so
    tokens the client rotated since then die too.
    """
    with org_scope(client.org):
        exchanged = ExchangedCode.objects.filter(application=client, code_checksum=checksum(code)).first()
    if exchanged is None:
        return False
    if exchanged.refresh_token_checksum:
        families = RefreshToken.objects.filter(
            application=client, token_checksum=exchanged.refresh_token_checksum).values_list("token_family", flat=True)
        for family in set(families):
            RefreshToken.revoke_family(family)
    AccessToken.objects.filter(application=client, token_checksum=exchanged.access_token_checksum).delete()
    log.warning("authorization code of application %s presented again: its tokens are revoked", client.client_id)
    return True


def approver_may_still_act(user, application) -> bool:
    """An auth-code token acts for the admin who approved it, only while they remain an active
    owner or admin of the application's org (a membership the org's IdP suspended does not count)."""
    if user is None or not user.is_active:
        return False
    with org_scope(application.org):
        return Membership.objects.filter(
            user=user, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN], suspended_by_idp=False
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
            return basic_client_credentials(auth_string) or (None, None)
        return getattr(request, "client_id", None), getattr(request, "client_secret", None)

    def is_pkce_required(self, client_id, request):
        """S256 PKCE is required of public clients; confidential ones (Okta with a client secret)
        may use it. Whether a challenge was sent is remembered on the grant (see validate_code)."""
        if self._load_application(client_id, request) is None:
            return True
        return request.client.client_type == Application.CLIENT_PUBLIC

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            revoke_tokens_of_reused_code(client, code)
            return False
        grant = Grant.objects.filter(code=code, application=client).select_related("user").first()
        # PKCE downgrade: oauthlib 3 ignores a code_verifier when the code was issued without a
        # challenge, so an attacker holding a stolen code could pass any verifier. Refuse it.
        if grant is None or (not grant.code_challenge and getattr(request, "code_verifier", None)):
            return False
        return approver_may_still_act(grant.user, client)

    # After validate_code, oauthlib reads the grant again; a concurrent exchange of the same code may
    # have deleted it by then. That is a reuse: invalid_grant, never DOT's DoesNotExist (a 500).
    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        with self._grant_of_a_concurrent_exchange(client, code):
            return super().confirm_redirect_uri(client_id, code, redirect_uri, client, *args, **kwargs)

    def get_code_challenge(self, code, request):
        with self._grant_of_a_concurrent_exchange(request.client, code):
            return super().get_code_challenge(code, request)

    def get_code_challenge_method(self, code, request):
        with self._grant_of_a_concurrent_exchange(request.client, code):
            return super().get_code_challenge_method(code, request)

    @staticmethod
    @contextmanager
    def _grant_of_a_concurrent_exchange(client, code):
        try:
            yield
        except Grant.DoesNotExist:
            revoke_tokens_of_reused_code(client, code)
            raise oauth_errors.InvalidGrantError() from None

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """Rotation with reuse detection (DOT), plus tolerance for Okta sending one refresh token
        twice within seconds.

        Okta retries a refresh whose response it did not receive, with the same (now rotated)
        refresh token. DOT's grace period would answer with the stored successor tokens, which
        RFC 9700 storage (hashed at rest) cannot do, and it refuses the combination (E001). Here a
        replay of a token that rotation superseded less than REFRESH_REPLAY_WINDOW ago, by the
        same client, mints a fresh pair in the same token family (nothing secret is kept to answer
        it) and revokes the pair it replaces, so a family never has more than one live pair. A
        second replay of that token, a later replay, or a replay of a deliberately revoked token
        revokes the whole family.
        """
        replayed = self._recently_revoked(refresh_token, client)
        if replayed is None:
            valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
            return valid and approver_may_still_act(request.user, client)
        replayed = self._claim_replay(replayed)
        if replayed is None:
            return False
        request.user = replayed.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = replayed
        request.refresh_token_replay = True
        return approver_may_still_act(request.user, client)

    def _recently_revoked(self, refresh_token, client):
        token_checksum = checksum(refresh_token)
        token = (
            RefreshToken.objects.filter(token_checksum=token_checksum, application=client, revoked__isnull=False)
            .select_related("user")
            .order_by("-revoked")
            .first()
        )
        if token is None or token.revoked <= timezone.now() - REFRESH_REPLAY_WINDOW:
            return None
        if RefreshToken.objects.filter(token_checksum=token_checksum, revoked__isnull=True).exists():
            return None
        # Superseded or not, _claim_replay decides under the token's row lock. DOT's own path would revoke the
        # family of one no longer superseded without that lock, so while another replay minted its pair the
        # sweep could revoke the new refresh token's access token but not the token (an orphan).
        return token

    @staticmethod
    def _claim_replay(token):
        """Serialise replays of one refresh token on its row. The first replay revokes the live
        pair that replaced it (the fresh pair minted next is then the family's only one); any
        other finds the token no longer superseded, and the family is revoked."""
        with transaction.atomic():
            token = RefreshToken.objects.select_for_update().filter(pk=token.pk).select_related("user").first()
            superseded = token is not None and AccessToken.objects.filter(source_refresh_token=token).exists()
            if token is not None:
                RefreshToken.revoke_family(token.token_family)
        return token if superseded and token.token_family else None

    @staticmethod
    def _claim_code(request, token) -> None:
        """Remember what this code is exchanged for; only one exchange of a code can claim it."""
        client = request.client
        try:
            with transaction.atomic(), org_scope(client.org):
                ExchangedCode.objects.create(
                    org=client.org, application=client, code_checksum=checksum(request.code),
                    access_token_checksum=checksum(token["access_token"]),
                    refresh_token_checksum=checksum(token["refresh_token"]) if token.get("refresh_token") else "",
                )
        except IntegrityError:
            # A concurrent exchange of the same code got there first: this one is a reuse.
            revoke_tokens_of_reused_code(client, request.code)
            raise oauth_errors.InvalidGrantError(request=request) from None

    def _save_bearer_token(self, token, request, *args, **kwargs):
        if request.grant_type == "authorization_code" and OFFLINE_ACCESS not in token["scope"].split():
            # Refresh tokens only for a grant that asked to stay connected; oauthlib serialises
            # this same dict, so the response loses it too.
            token.pop("refresh_token", None)
        if request.grant_type == "authorization_code":
            self._claim_code(request, token)
        if not getattr(request, "refresh_token_replay", False):
            return super()._save_bearer_token(token, request, *args, **kwargs)
        with transaction.atomic():
            # Held while minting: a concurrent replay's family revocation (which takes this lock
            # first) then sees the whole new pair or none of it.
            previous = RefreshToken.objects.select_for_update().get(pk=request.refresh_token_instance.pk)
            self._mint_replacement_pair(token, request, previous)

    def _mint_replacement_pair(self, token, request, previous):
        self._check_and_set_request_resource(request)
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        # The new access token carries no source: a second replay of `previous` must find it no
        # longer superseded (_claim_replay); the family link is what reuse detection follows.
        access_token = self._create_access_token(expires, request, token)
        self._create_refresh_token(request, token["refresh_token"], access_token, previous)
