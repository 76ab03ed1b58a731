"""Staff admin: OAuth applications and SCIM tokens, read-mostly; no secret or hash is ever shown.

Every staff write goes through the services with the staff actor (request.actor), so it honours the
console's rules (an app's tokens are revoked before it goes) and leaves an audit row.
"""

from django.contrib import admin, messages
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model, get_refresh_token_model

from . import services
from .models import Application, ScimToken

# django-oauth-toolkit registers its own admin for the Application and its tokens; the token admins
# would list every org's tokens (and DOT's Application admin shows the secret hash), so they go.
for model in (Application, get_access_token_model(), get_refresh_token_model(), get_grant_model(), get_id_token_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def each_through_service(request, queryset, service, keyword: str) -> int:
    """Call `service` for every selected row, in the row's own org, as the staff actor; returns how many."""
    rows = list(queryset.select_related("org"))
    for row in rows:
        service(org=row.org, actor=request.actor, **{keyword: row})
    return len(rows)


class ReadMostlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadMostlyAdmin):
    list_display = ("name", "org", "client_id", "authorization_grant_type", "status", "created")
    list_filter = ("status", "authorization_grant_type", "org")
    search_fields = ("name", "client_id", "org__name", "org__public_id")
    list_select_related = ("org",)
    fields = (
        "org", "name", "client_id", "authorization_grant_type", "status", "description", "company_name",
        "redirect_uris", "allowed_scopes", "access_token_lifetime", "created_by", "created", "updated",
        "previous_client_secret_expires",
    )
    readonly_fields = fields
    actions = ["disable_and_revoke"]

    def delete_model(self, request, obj):
        services.application_delete(org=obj.org, actor=request.actor, application=obj)

    def delete_queryset(self, request, queryset):
        each_through_service(request, queryset, services.application_delete, "application")

    @admin.action(description="Disable (revokes tokens)", permissions=["view"])
    def disable_and_revoke(self, request, queryset):
        count = each_through_service(request, queryset, services.application_disable, "application")
        messages.success(request, f"Disabled {count} application(s); their tokens are revoked.")


@admin.register(ScimToken)
class ScimTokenAdmin(ReadMostlyAdmin):
    list_display = ("name", "org", "public_id", "created", "expires", "last_used", "revoked")
    list_filter = ("revoked", "org")
    search_fields = ("name", "public_id", "org__name", "org__public_id")
    list_select_related = ("org",)
    fields = ("org", "name", "public_id", "scopes", "created", "created_by", "expires", "last_used", "revoked")
    readonly_fields = fields
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # a token is revoked (and that is audited), never deleted

    @admin.action(description="Revoke", permissions=["view"])
    def revoke(self, request, queryset):
        count = each_through_service(request, queryset, services.scim_token_revoke, "token")
        messages.success(request, f"Revoked {count} SCIM token(s).")
