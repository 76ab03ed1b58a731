"""Every write to OAuth applications and SCIM tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from accounts.models import User
from tenants.models import Organization
from tenants.scoping import org_scope
from tenants.services import lock_org

from . import scopes as scope_names
from .models import Application, ScimToken, hash_bearer_token, is_loopback_http
from .selectors import org_active_scim_tokens

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

MAX_ACTIVE_SCIM_TOKENS = 2  # two, so an IdP can switch to a new token before the old one is revoked
MIN_SCIM_TOKEN_LIFETIME = timedelta(minutes=15)
LAST_USED_RESOLUTION = timedelta(minutes=1)


def scim_token_create(
    *, org: Organization, actor: User | None, name: str, scopes: list[str], expires: datetime | None = None
) -> tuple[ScimToken, str]:
    """Create a SCIM bearer token; returns it with the raw secret, which is never stored or shown again."""
    unknown = set(scopes) - set(scope_names.MANAGED_USERS)
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(sorted(unknown))}.", code="invalid_scope")
    if not set(scopes):
        raise ValidationError("Choose at least one scope.", code="invalid_scope")
    if expires is not None and expires < timezone.now() + MIN_SCIM_TOKEN_LIFETIME:
        raise ValidationError("A token must live at least 15 minutes.", code="expires")
    raw = ScimToken.generate_raw_token()
    with transaction.atomic(), org_scope(org):
        lock_org(org=org)  # two clicks can't make a third active token
        if org_active_scim_tokens(org).count() >= MAX_ACTIVE_SCIM_TOKENS:
            raise ValidationError(
                "An organization has at most two active SCIM tokens. Revoke one first.", code="too_many_tokens"
            )
        token = ScimToken(
            org=org, name=name.strip(), scopes=sorted(scopes), expires=expires, created_by=actor,
            token_hash=hash_bearer_token(raw),
        )
        token.full_clean()
        token.save()
    return token, raw


def _clean_scopes(scopes: list[str], grant_type: str) -> list[str]:
    allowed = scope_names.allowed_for_grant(grant_type)
    unknown = set(scopes) - set(allowed)
    if unknown:
        raise ValidationError(f"Not allowed for this application: {', '.join(sorted(unknown))}.", code="invalid_scope")
    if not set(scopes) & set(scope_names.MANAGED_USERS):
        raise ValidationError("Choose at least one managed-users scope.", code="invalid_scope")
    return sorted(set(scopes))


def validate_redirect_url(url: str) -> None:
    """Exact-match redirect URLs: https, or http to localhost/127.0.0.1 for demos (DEBUG only)."""
    parts = urlsplit(url)
    if parts.fragment or not parts.hostname or parts.username or parts.password:
        raise ValidationError("Enter an absolute URL without a fragment or credentials.", code="redirect_url")
    if parts.scheme == "https":
        return
    if is_loopback_http(url) and settings.DEBUG:
        return
    raise ValidationError("Redirect URLs must use https.", code="redirect_url")


def application_create(
    *, org: Organization, actor: User | None, grant_type: str, name: str, scopes: list[str],
    description: str = "", company_name: str = "", redirect_url: str = "", access_token_lifetime: int = 3600,
    allow_loopback_http: bool = False,
) -> tuple[Application, str]:
    """Register an IdP's OAuth client; returns it with the raw client secret, stored only hashed.

    allow_loopback_http is for seed_demo, whose callback is http://127.0.0.1 whatever DEBUG says.
    """
    if grant_type not in (Application.GRANT_AUTHORIZATION_CODE, Application.GRANT_CLIENT_CREDENTIALS):
        raise ValidationError("Choose authorization code or client credentials.", code="grant_type")
    redirect_url = redirect_url.strip()
    if grant_type == Application.GRANT_AUTHORIZATION_CODE:
        if not (allow_loopback_http and is_loopback_http(redirect_url)):
            validate_redirect_url(redirect_url)
    else:
        redirect_url = ""
    raw_secret = generate_client_secret()
    with transaction.atomic(), org_scope(org):
        application = Application(
            org=org, created_by=actor, name=name.strip(), description=description.strip(),
            company_name=company_name.strip(), authorization_grant_type=grant_type,
            client_type=Application.CLIENT_CONFIDENTIAL, redirect_uris=redirect_url,
            allowed_scopes=_clean_scopes(scopes, grant_type), client_secret=raw_secret, hash_client_secret=True,
            access_token_lifetime=access_token_lifetime,
        )
        application.full_clean(exclude=["client_secret", "user"])
        application.save()
    return application, raw_secret


def application_update_scopes(*, org: Organization, actor: User, application: Application, scopes: list[str]) -> None:
    application.allowed_scopes = _clean_scopes(scopes, application.authorization_grant_type)
    application.save(update_fields=["allowed_scopes", "updated"])


def application_rotate_secret(
    *, org: Organization, actor: User, application: Application, grace_days: int
) -> str:
    """Issue a new client secret (returned once); the current one keeps working for grace_days (0-30)."""
    if not 0 <= grace_days <= 30:
        raise ValidationError("The grace period is 0 to 30 days.", code="grace_days")
    raw_secret = generate_client_secret()
    with transaction.atomic(), org_scope(org):
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if grace_days:
            locked.previous_client_secret = locked.client_secret
            locked.previous_client_secret_expires = timezone.now() + timedelta(days=grace_days)
        else:
            locked.previous_client_secret = ""
            locked.previous_client_secret_expires = None
        locked.client_secret = raw_secret  # ClientSecretField hashes it on save
        locked.save()
    application.refresh_from_db()
    return raw_secret


def _revoke_application_tokens(application: Application) -> None:
    # Set-based: refresh tokens first (revoked, so reuse can't mint), then every access token.
    now = timezone.now()
    RefreshToken.objects.filter(application=application, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(application=application).delete()
    Grant.objects.filter(application=application).delete()


def application_disable(*, org: Organization | None, actor: User | None, application: Application) -> None:
    """Disable the app and revoke all its tokens at once."""
    with transaction.atomic():
        application.status = Application.Status.DISABLED
        application.save(update_fields=["status", "updated"])
        _revoke_application_tokens(application)


def application_enable(*, org: Organization, actor: User, application: Application) -> None:
    application.status = Application.Status.ACTIVE
    application.save(update_fields=["status", "updated"])


def application_delete(*, org: Organization, actor: User, application: Application) -> None:
    """Delete the app; its tokens go with it (revoked first, in the same transaction)."""
    with transaction.atomic():
        _revoke_application_tokens(application)
        application.delete()


def scim_token_revoke(*, org: Organization, actor: User | None, token: ScimToken) -> None:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])


def scim_token_touch(token: ScimToken) -> None:
    """Record use at most once a minute: a SCIM sync makes thousands of requests."""
    now = timezone.now()
    if token.last_used is not None and token.last_used > now - LAST_USED_RESOLUTION:
        return
    with org_scope(token.org):
        ScimToken.objects.filter(pk=token.pk).filter(
            models.Q(last_used__isnull=True) | models.Q(last_used__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used=now)
    token.last_used = now
