"""System checks: the OAuth server runs with the rules this product relies on."""

from django.core import checks
from oauth2_provider.settings import DEFAULTS, oauth2_settings


@checks.register(checks.Tags.security)
def oauth_server_configuration(app_configs, **kwargs):
    from .scopes import ApplicationScopes
    from .validators import TenantOAuth2Validator

    errors = [
        checks.Error(
            f"OAUTH2_PROVIDER['{name}'] is off.",
            hint="Every RFC 9700 (OAuth 2.0 Security BCP) gate stays on: tokens, PKCE and redirects depend on it.",
            id="oauthapps.E001",
        )
        for name in sorted(DEFAULTS)
        if name.startswith("COMPLIANT_BCP_RFC9700_") and not getattr(oauth2_settings, name)
    ]
    if not issubclass(oauth2_settings.OAUTH2_VALIDATOR_CLASS, TenantOAuth2Validator):
        errors.append(checks.Error(
            "OAUTH2_PROVIDER['OAUTH2_VALIDATOR_CLASS'] must be oauthapps.validators.TenantOAuth2Validator or a subclass.",
            hint="It resolves client ids across orgs, checks approvers, PKCE downgrades and rotated secrets.",
            id="oauthapps.E002",
        ))
    if not issubclass(oauth2_settings.SCOPES_BACKEND_CLASS, ApplicationScopes):
        errors.append(checks.Error(
            "OAUTH2_PROVIDER['SCOPES_BACKEND_CLASS'] must be oauthapps.scopes.ApplicationScopes.",
            hint="Without it an application may ask for scopes it was not allowed.",
            id="oauthapps.E003",
        ))
    return errors
