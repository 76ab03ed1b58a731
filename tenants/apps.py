from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Organizations"

    def ready(self):
        from . import audit, invitations, services, signals  # noqa: F401  (signals: sign-ins are audited)
        from .console_site import console_site

        audit.register_actions(services.AUDIT_ACTIONS)
        audit.register_actions(invitations.AUDIT_ACTIONS)

        # Each app's console.py registers its pages, as admin.py does for the staff admin.
        autodiscover_modules("console", register_to=console_site)
