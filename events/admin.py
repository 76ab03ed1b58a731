from django.contrib import admin

from tenants.admin import ReadOnlyModelAdmin

from .models import Event, WebhookDelivery, WebhookEndpoint


@admin.register(Event)
class EventAdmin(ReadOnlyModelAdmin):
    list_display = ("created", "org", "sequence", "type", "resource_type", "resource_id", "actor_label")
    list_filter = ("type", "org")
    search_fields = ("public_id", "resource_id", "org__name")
    list_select_related = ("org",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyModelAdmin):
    """Managed by the org (console, API); staff see where an org's events go and why one stopped."""

    list_display = ("url", "org", "enabled", "disabled_reason", "secret_prefix", "created")
    list_filter = ("enabled",)
    exclude = ("secret_encrypted",)
    list_select_related = ("org",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ("created", "org", "endpoint", "event", "status", "attempts", "response_code", "error", "next_attempt")
    list_filter = ("status",)
    list_select_related = ("org", "endpoint", "event")

    def has_delete_permission(self, request, obj=None):
        return False
