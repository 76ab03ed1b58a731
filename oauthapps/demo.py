"""Demo credentials for seed_demo: an Entra-style app, an Okta-style app and a SCIM token."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tenants.audit import Actor
from tenants.models import Organization

from . import scopes, selectors, services
from .models import Application

DEMO_CALLBACK = "http://127.0.0.1:8765/callback"
ENTRA_NAME = "Demo Entra ID (client credentials)"
OKTA_NAME = "Demo Okta (authorization code)"
SCIM_TOKEN_NAME = "Demo SCIM token"


def _app_with_fresh_secret(*, org, actor, name, grant_type, allowed, **details) -> tuple[Application, str]:
    """Safe to run again: an existing demo app gets a new secret (the old one stops at once)."""
    application = selectors.org_applications(org=org).filter(name=name).first()
    if application is None:
        return services.application_create(
            org=org, actor=actor, grant_type=grant_type, name=name, scopes=list(allowed),
            allow_loopback_http=True, **details,
        )
    return application, services.application_rotate_secret(
        org=org, actor=actor, application=application, grace_days=0)


def seed_demo_credentials(*, org: Organization, actor: Actor) -> dict:
    """Everything an IdP needs, with fresh secrets; `actor` is who the audit log says made them."""
    entra, entra_secret = _app_with_fresh_secret(
        org=org, actor=actor, name=ENTRA_NAME, grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        allowed=scopes.MANAGED_USERS, description="Microsoft Entra ID provisioning",
    )
    okta, okta_secret = _app_with_fresh_secret(
        org=org, actor=actor, name=OKTA_NAME, grant_type=Application.GRANT_AUTHORIZATION_CODE,
        allowed=scopes.ALL, company_name=org.name, redirect_url=DEMO_CALLBACK,
    )
    for old in selectors.org_active_scim_tokens(org=org).filter(name=SCIM_TOKEN_NAME):
        services.scim_token_revoke(org=org, actor=actor, token=old)
    token, raw_token = services.scim_token_create(
        org=org, actor=actor, name=SCIM_TOKEN_NAME, scopes=list(scopes.MANAGED_USERS))
    base = settings.PUBLIC_BASE_URL
    return {
        "token_url": base + reverse("oauth2_provider:token"),
        "authorize_url": base + reverse("oauth2_provider:authorize"),
        "scim_base_url": base + "/scim/v2",
        "client_credentials_app": {
            "name": entra.name, "client_id": entra.client_id, "client_secret": entra_secret,
            "scopes": entra.allowed_scopes,
        },
        "authorization_code_app": {
            "name": okta.name, "client_id": okta.client_id, "client_secret": okta_secret,
            "redirect_uri": DEMO_CALLBACK, "scopes": okta.allowed_scopes,
        },
        "scim_token": {"name": token.name, "token": raw_token, "scopes": token.scopes},
    }
