from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Organizations"

    def ready(self):
        from .console_site import console_site

        # Each app's console.py registers its pages, as admin.py does for the staff admin.
        autodiscover_modules("console", register_to=console_site)
