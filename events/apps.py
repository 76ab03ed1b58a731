from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Directory events and webhooks"

    def ready(self):
        from tenants.audit import register_actions

        register_actions({
            "webhook_endpoint.created": "Added a webhook endpoint",
            "webhook_endpoint.disabled": "Disabled a webhook endpoint",
            "webhook_endpoint.enabled": "Enabled a webhook endpoint",
            "webhook_endpoint.deleted": "Deleted a webhook endpoint",
        })
