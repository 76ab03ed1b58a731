from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth applications and SCIM tokens"

    def ready(self):
        from . import checks  # noqa: F401 -- registers the system checks
