"""Every write to OAuth applications, SCIM tokens and management API keys.

Each service is bound to the org it is given (@org_bound), runs in one transaction, re-loads (and
locks) the row it changes, and records what it did with tenants.audit.record. Audit details hold
names, scopes and numbers, never a secret.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from tenants import audit
from tenants.audit import Actor
from tenants.errors import NotFound, PreconditionFailed
from tenants.models import Organization
from tenants.scoping import org_bound
from tenants.services import _acting_role, _require_owner_for, lock_org

from . import scopes as scope_names
from .models import ApiKey, Application, ScimToken, hash_bearer_token, is_loopback_http, validate_redirect_url
from .selectors import org_active_api_keys, org_active_scim_tokens
from .validators import approver_may_still_act

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

MAX_ACTIVE_SCIM_TOKENS = 2  # two, so an IdP can switch to a new token before the old one is revoked
MIN_SCIM_TOKEN_LIFETIME = timedelta(minutes=15)
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- SCIM tokens -------------------------------------------------------------------------------


def _newest_row_digest(model, org: Organization) -> str:
    """Names the org's newest row of `model` (a credential, revoked or not) without revealing it: it
    changes with every one created, and with nothing else."""
    newest = model.objects.filter(org=org).order_by("-pk").values_list("pk", flat=True).first()
    salt = {ScimToken: "oauthapps.scim_token_generation"}.get(model, f"oauthapps.{model._meta.model_name}_generation")
    return salted_hmac(salt, f"{org.pk}:{newest or 0}", algorithm="sha256").hexdigest()[:32]


def _require_generation(model, org: Organization, expected_generation: str | None, what: str) -> None:
    """A create form names the newest row it saw: a reload or a double submit creates nothing more."""
    if expected_generation is not None and not constant_time_compare(expected_generation,
                                                                     _newest_row_digest(model, org)):
        raise PreconditionFailed(f"{what} was created since this form was shown.")


@org_bound
def scim_token_generation(*, org: Organization) -> str:
    """Names the org's newest SCIM token; the new-token form carries it (see scim_token_create)."""
    return _newest_row_digest(ScimToken, org)


@org_bound
@transaction.atomic
def scim_token_create(
    *, org: Organization, actor: Actor, name: str, scopes: list[str], expires: datetime | None = None,
    expected_generation: str | None = None,
) -> tuple[ScimToken, str]:
    """Create a SCIM bearer token; returns it with the raw secret, which is never stored or shown again.

    With expected_generation (what the new-token form showed), create only if no token was created
    since, checked under the org lock: a reload or a double submit of one form creates one token, the
    other submits raise PreconditionFailed."""
    unknown = set(scopes) - set(scope_names.MANAGED_USERS)
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(sorted(unknown))}.", code="invalid_scope")
    if not set(scopes):
        raise ValidationError("Choose at least one scope.", code="invalid_scope")
    if expires is not None and expires < timezone.now() + MIN_SCIM_TOKEN_LIFETIME:
        raise ValidationError("A token must live at least 15 minutes.", code="expires")
    raw = ScimToken.generate_raw_token()
    lock_org(org=org)  # two clicks can't make a third active token, nor two tokens from one form
    _require_generation(ScimToken, org, expected_generation, "A SCIM token")
    if org_active_scim_tokens(org=org).count() >= MAX_ACTIVE_SCIM_TOKENS:
        raise ValidationError(
            "An organization has at most two active SCIM tokens. Revoke one first.", code="too_many_tokens"
        )
    token = ScimToken(
        org=org, name=name.strip(), scopes=sorted(scopes), expires=expires, created_by=actor.user,
        token_hash=hash_bearer_token(raw), hint=raw[-ScimToken.HINT_LENGTH:],
    )
    token.full_clean()
    token.save()
    audit.record(org=org, actor=actor, action="scim_token.created", obj=token, detail={
        "scopes": token.scopes, "expires": expires.isoformat() if expires else None,
    })
    return token, raw


CONNECTION_TEST_TOKEN_NAME = "Connection test"
CONNECTION_TEST_TOKEN_LIFETIME = timedelta(minutes=5)


@org_bound
@transaction.atomic
def connection_test_token_create(*, org: Organization, actor: Actor) -> tuple[ScimToken, str]:
    """A short-lived SCIM token for the console's connection test (scim.connection_test), which revokes
    it when done. It is outside the two-token limit: it lives minutes and no IdP ever holds it."""
    raw = ScimToken.generate_raw_token()
    token = ScimToken(org=org, name=CONNECTION_TEST_TOKEN_NAME, scopes=sorted(scope_names.MANAGED_USERS),
                      expires=timezone.now() + CONNECTION_TEST_TOKEN_LIFETIME, created_by=actor.user,
                      token_hash=hash_bearer_token(raw), hint=raw[-ScimToken.HINT_LENGTH:])
    token.full_clean()
    token.save()
    audit.record(org=org, actor=actor, action="scim_token.created", obj=token, detail={
        "scopes": token.scopes, "expires": token.expires.isoformat(), "purpose": "connection test"})
    return token, raw


@org_bound
@transaction.atomic
def scim_token_revoke(*, org: Organization, actor: Actor, token: ScimToken) -> ScimToken:
    """Revoke a SCIM token at once; revoking a revoked token changes and records nothing."""
    return _revoke(org, actor, token, "scim_token.revoked", "SCIM token")


def _revoke(org: Organization, actor: Actor, credential, action: str, what: str):
    model = type(credential)
    try:
        credential = model.objects.select_for_update().get(pk=credential.pk)
    except model.DoesNotExist:
        raise NotFound(f"No such {what}.") from None
    if credential.revoked is None:
        credential.revoked = timezone.now()
        credential.save(update_fields=["revoked"])
        audit.record(org=org, actor=actor, action=action, obj=credential)
    return credential


@org_bound
def scim_token_touch(*, org: Organization, token: ScimToken) -> None:
    """Record use at most once a minute: a SCIM sync makes thousands of requests. Bookkeeping, not a
    change anyone made, so it takes no actor and is not audited."""
    _record_use(token)


def _record_use(credential) -> None:
    now = timezone.now()
    if credential.last_used is not None and credential.last_used > now - LAST_USED_RESOLUTION:
        return
    type(credential).objects.filter(pk=credential.pk).filter(
        models.Q(last_used__isnull=True) | models.Q(last_used__lte=now - LAST_USED_RESOLUTION)
    ).update(last_used=now)
    credential.last_used = now


# --- Management API keys -----------------------------------------------------------------------

MAX_ACTIVE_API_KEYS = 20


@org_bound
def api_key_generation(*, org: Organization) -> str:
    """Names the org's newest API key; the new-key form carries it (see api_key_create)."""
    return _newest_row_digest(ApiKey, org)


@org_bound
@transaction.atomic
def api_key_create(
    *, org: Organization, actor: Actor, name: str, access: str, role: str, expires: datetime | None = None,
    expected_generation: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a management API key; returns it with the raw key, which is never stored or shown again.

    An owner or admin creates keys with their own role or a lesser one (only an owner makes an owner
    key). With expected_generation (what the new-key form showed), a reload or double submit of one
    form creates one key; the other submits raise PreconditionFailed."""
    if access not in ApiKey.Access.values:
        raise ValidationError(f"Unknown access {access!r}: read or read_write.", code="invalid_access")
    if role not in dict(ApiKey.ROLES):
        raise ValidationError(f"Unknown role {role!r}: owner or admin.", code="invalid_role")
    if expires is not None and expires < timezone.now() + MIN_SCIM_TOKEN_LIFETIME:
        raise ValidationError("A key must live at least 15 minutes.", code="expires")
    lock_org(org=org)
    _require_owner_for(_acting_role(actor), role)
    _require_generation(ApiKey, org, expected_generation, "An API key")
    if org_active_api_keys(org=org).count() >= MAX_ACTIVE_API_KEYS:
        raise ValidationError(f"An organization has at most {MAX_ACTIVE_API_KEYS} active API keys. Revoke one first.",
                              code="too_many_keys")
    raw = ApiKey.generate_raw_key()
    key = ApiKey(org=org, name=name.strip(), access=access, role=role, expires=expires, created_by=actor.user,
                 key_hash=hash_bearer_token(raw), prefix=ApiKey.prefix_of(raw))
    key.full_clean()
    key.save()
    audit.record(org=org, actor=actor, action="api_key.created", obj=key, detail={
        "access": access, "role": role, "prefix": key.prefix, "expires": expires.isoformat() if expires else None,
    })
    return key, raw


@org_bound
@transaction.atomic
def api_key_revoke(*, org: Organization, actor: Actor, key: ApiKey) -> ApiKey:
    """Revoke an API key at once; revoking a revoked key changes and records nothing."""
    return _revoke(org, actor, key, "api_key.revoked", "API key")


@org_bound
def api_key_touch(*, org: Organization, key: ApiKey) -> None:
    """Record use at most once a minute; bookkeeping, not audited."""
    _record_use(key)


# --- OAuth applications ------------------------------------------------------------------------


def _clean_scopes(scopes: list[str], grant_type: str) -> list[str]:
    allowed = scope_names.allowed_for_grant(grant_type)
    unknown = set(scopes) - set(allowed)
    if unknown:
        raise ValidationError(f"Not allowed for this application: {', '.join(sorted(unknown))}.", code="invalid_scope")
    if not set(scopes) & set(scope_names.MANAGED_USERS):
        raise ValidationError("Choose at least one managed-users scope.", code="invalid_scope")
    return sorted(set(scopes))


def _locked(application: Application) -> Application:
    # The caller's instance may be stale (or deleted meanwhile): read the row again, in this org, locked.
    try:
        return Application.objects.select_for_update().get(pk=application.pk)
    except Application.DoesNotExist:
        raise NotFound("No such application.") from None


@org_bound
@transaction.atomic
def application_create(
    *, org: Organization, actor: Actor, grant_type: str, name: str, scopes: list[str],
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
    application = Application(
        org=org, created_by=actor.user, name=name.strip(), description=description.strip(),
        company_name=_company_name(org, grant_type, company_name), authorization_grant_type=grant_type,
        client_type=Application.CLIENT_CONFIDENTIAL, redirect_uris=redirect_url,
        allowed_scopes=_clean_scopes(scopes, grant_type), client_secret=raw_secret, hash_client_secret=True,
        access_token_lifetime=access_token_lifetime,
    )
    application.full_clean(exclude=["client_secret", "user"])
    application.save()
    audit.record(org=org, actor=actor, action="oauth_app.created", obj=application, detail={
        "grant_type": grant_type, "scopes": application.allowed_scopes,
    })
    return application, raw_secret


def _company_name(org: Organization, grant_type: str, company_name: str) -> str:
    # The consent page names who publishes the app: the org itself unless the admin says otherwise.
    return (company_name.strip() or org.name) if grant_type == Application.GRANT_AUTHORIZATION_CODE else ""


@org_bound
@transaction.atomic
def application_update_details(
    *, org: Organization, actor: Actor, application: Application, name: str, access_token_lifetime: int,
    description: str = "", company_name: str = "", redirect_url: str = "",
) -> Application:
    """Correct an app's name, description, company name, redirect URL or token lifetime (never its grant
    type, client ID or secret). A new redirect URL applies to the next authorization; live tokens stay."""
    application = _locked(application)
    before = {"name": application.name, "redirect_url": application.redirect_uris,
              "access_token_lifetime": application.access_token_lifetime}
    application.name = name.strip()
    application.access_token_lifetime = access_token_lifetime
    if application.is_authorization_code:
        redirect_url = redirect_url.strip()
        if redirect_url != application.redirect_uris:
            validate_redirect_url(redirect_url)
        application.redirect_uris = redirect_url
        application.company_name = _company_name(org, application.authorization_grant_type, company_name)
    else:
        application.description = description.strip()
    application.full_clean(exclude=["client_secret", "user"])
    application.save(update_fields=["name", "description", "company_name", "redirect_uris", "access_token_lifetime"])
    after = {"name": application.name, "redirect_url": application.redirect_uris,
             "access_token_lifetime": application.access_token_lifetime}
    audit.record(org=org, actor=actor, action="oauth_app.updated", obj=application, detail={
        "changed": sorted(key for key in after if after[key] != before[key])})
    return application


@org_bound
@transaction.atomic
def application_update_scopes(
    *, org: Organization, actor: Actor, application: Application, scopes: list[str]
) -> Application:
    """Change what the app may be granted; live tokens narrow at once (credentials.py intersects)."""
    application = _locked(application)
    previous = application.allowed_scopes
    application.allowed_scopes = _clean_scopes(scopes, application.authorization_grant_type)
    if application.allowed_scopes != previous:
        application.save(update_fields=["allowed_scopes", "updated"])
        audit.record(org=org, actor=actor, action="oauth_app.scopes_changed", obj=application, detail={
            "from": previous, "to": application.allowed_scopes,
        })
    return application


@org_bound
@transaction.atomic
def application_update(
    *, org: Organization, actor: Actor, application: Application, name: str | None = None,
    redirect_urls: list[str] | None = None,
) -> Application:
    """Rename the app and, for an auth-code app, replace its exact-match redirect URLs (at least one).
    Changing nothing records nothing."""
    application = _locked(application)
    changed = []
    if name is not None and name.strip() != application.name:
        application.name, changed = name.strip(), [*changed, "name"]
    if redirect_urls is not None:
        if not application.is_authorization_code:
            raise ValidationError("A client-credentials app has no redirect URLs.", code="redirect_url")
        urls = list(dict.fromkeys(url.strip() for url in redirect_urls if url.strip()))
        if not urls:
            raise ValidationError("An authorization-code app needs a redirect URL.", code="redirect_url")
        for url in urls:
            validate_redirect_url(url)
        if " ".join(urls) != application.redirect_uris:
            application.redirect_uris, changed = " ".join(urls), [*changed, "redirect_uris"]
    if changed:
        application.full_clean(exclude=["client_secret", "user"])
        application.save(update_fields=[*changed, "updated"])
        audit.record(org=org, actor=actor, action="oauth_app.updated", obj=application, detail={"fields": changed})
    return application


def secret_generation(application: Application) -> str:
    """Names the app's current secret without revealing anything about it (a keyed digest of its
    hash): it changes with every rotation, and with nothing else."""
    return salted_hmac("oauthapps.secret_generation", application.client_secret, algorithm="sha256").hexdigest()[:32]


@org_bound
@transaction.atomic
def application_rotate_secret(*, org: Organization, actor: Actor, application: Application, grace_days: int,
                              expected_generation: str | None = None) -> str:
    """Issue a new client secret (returned once); the current one keeps working for grace_days (0-30).

    With expected_generation (what the rotate form showed), rotate only if that is still the current
    secret, checked under the row lock: of any number of submits of one form exactly one rotates, the
    others raise PreconditionFailed (a second rotation would retire the secret just shown)."""
    if not 0 <= grace_days <= 30:
        raise ValidationError("The grace period is 0 to 30 days.", code="grace_days")
    raw_secret = generate_client_secret()
    application = _locked(application)
    if expected_generation is not None and not constant_time_compare(expected_generation,
                                                                     secret_generation(application)):
        raise PreconditionFailed("The secret was rotated since this form was shown.")
    if grace_days:
        application.previous_client_secret = application.client_secret
        application.previous_client_secret_expires = timezone.now() + timedelta(days=grace_days)
    else:
        application.previous_client_secret = ""
        application.previous_client_secret_expires = None
    application.client_secret = raw_secret  # ClientSecretField hashes it on save
    application.save()
    audit.record(org=org, actor=actor, action="oauth_app.secret_rotated", obj=application,
                 detail={"grace_days": grace_days})
    return raw_secret


def _revoke_application_tokens(application: Application) -> None:
    # Set-based: refresh tokens first (revoked, so reuse can't mint), then every access token.
    now = timezone.now()
    RefreshToken.objects.filter(application=application, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(application=application).delete()
    Grant.objects.filter(application=application).delete()


@org_bound
@transaction.atomic
def application_disable(*, org: Organization, actor: Actor, application: Application) -> Application:
    """Disable the app and revoke all its tokens at once. Disabling a disabled app revokes whatever
    is left and records nothing."""
    application = _locked(application)
    if application.status != Application.Status.DISABLED:
        application.status = Application.Status.DISABLED
        application.save(update_fields=["status", "updated"])
        audit.record(org=org, actor=actor, action="oauth_app.disabled", obj=application)
    _revoke_application_tokens(application)
    return application


@org_bound
@transaction.atomic
def application_enable(*, org: Organization, actor: Actor, application: Application) -> Application:
    application = _locked(application)
    if application.status != Application.Status.ACTIVE:
        application.status = Application.Status.ACTIVE
        application.save(update_fields=["status", "updated"])
        audit.record(org=org, actor=actor, action="oauth_app.enabled", obj=application)
    return application


@org_bound
@transaction.atomic
def application_delete(*, org: Organization, actor: Actor, application: Application) -> None:
    """Delete the app; its tokens go with it (revoked first, in the same transaction)."""
    application = _locked(application)
    _revoke_application_tokens(application)
    audit.record(org=org, actor=actor, action="oauth_app.deleted", obj=application)
    application.delete()


@org_bound
@transaction.atomic
def application_record_consent(
    *, org: Organization, actor: Actor, application: Application, scopes: list[str]
) -> None:
    """Record that an owner or admin approved an auth-code app's access on the consent page."""
    if not approver_may_still_act(actor.user, application):
        raise PermissionDenied("Only an owner or admin of the app's organization approves its access.")
    audit.record(org=org, actor=actor, action="oauth_app.consent_given", obj=application,
                 detail={"scopes": sorted(scopes)})
