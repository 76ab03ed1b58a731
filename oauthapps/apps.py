from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth applications and SCIM tokens"

    def ready(self):
        from tenants.audit import register_actions

        from . import checks  # noqa: F401 -- registers the system checks

        register_actions({
            "oauth_app.created": "Created an OAuth app",
            "oauth_app.updated": "Changed an OAuth app's name or redirect URLs",
            "oauth_app.scopes_changed": "Changed an OAuth app's scopes",
            "oauth_app.updated": "Edited an OAuth app's details",
            "oauth_app.secret_rotated": "Rotated an OAuth app's client secret",
            "oauth_app.disabled": "Disabled an OAuth app and revoked its tokens",
            "oauth_app.enabled": "Enabled an OAuth app",
            "oauth_app.deleted": "Deleted an OAuth app and revoked its tokens",
            "oauth_app.consent_given": "Approved an OAuth app's access (consent)",
            "scim_token.created": "Created a SCIM token",
            "scim_token.revoked": "Revoked a SCIM token",
            "api_key.created": "Created a management API key",
            "api_key.revoked": "Revoked a management API key",
        })
