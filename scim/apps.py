from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "scim"
    verbose_name = "SCIM 2.0 service"

    def ready(self):
        from tenants.audit import register_actions

        register_actions({
            "scim_user.deactivated": "Deactivated a directory user",
            "scim_user.reactivated": "Reactivated a directory user",
        })
