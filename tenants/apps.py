from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.module_loading import autodiscover_modules


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Organizations"

    def ready(self):
        from config import migration_timeouts

        from . import audit, invitations, services, signals  # noqa: F401  (signals: sign-ins are audited)

        pre_migrate.connect(migration_timeouts.lift_timeouts, dispatch_uid="config.migration_timeouts.lift")
        post_migrate.connect(migration_timeouts.restore_timeouts, dispatch_uid="config.migration_timeouts.restore")
        from .console_site import console_site

        audit.register_actions(services.AUDIT_ACTIONS)
        audit.register_actions(invitations.AUDIT_ACTIONS)

        # Each app's console.py registers its pages, as admin.py does for the staff admin.
        autodiscover_modules("console", register_to=console_site)
