"""Staff admin: SCIM users, groups and the provisioning log of every org (runs in all_orgs_scope)."""

from django.contrib import admin
from django.db.models import Count

from .models import Group, ProvisioningEvent, ScimUser, ScimUserEmail


class ScimUserEmailInline(admin.TabularInline):
    model = ScimUserEmail
    extra = 0
    fields = ("value", "type", "primary", "display")
    readonly_fields = fields
    can_delete = False


class ReadOnlyFromIdpAdmin(admin.ModelAdmin):
    """Read-only: the IdP owns these rows; a staff edit would be overwritten and skip the org's rules."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnlyFromIdpAdmin):
    list_display = ("user_name", "org", "display_name", "active", "external_id", "last_modified")
    list_filter = ("active", "org")
    search_fields = ("user_name", "public_id", "external_id", "display_name", "org__name")
    list_select_related = ("org",)
    inlines = [ScimUserEmailInline]


@admin.register(Group)
class GroupAdmin(ReadOnlyFromIdpAdmin):
    """Members are counted, not listed (a group may have 50,000)."""

    list_display = ("display_name", "org", "member_count", "external_id", "last_modified")
    list_filter = ("org",)
    search_fields = ("display_name", "public_id", "external_id", "org__name")
    list_select_related = ("org",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(ProvisioningEvent)
class ProvisioningEventAdmin(admin.ModelAdmin):
    list_display = ("created", "org", "method", "path", "status", "scim_type", "credential_name", "duration_ms")
    list_filter = ("org", "method", "status", "scim_type")
    search_fields = ("path", "user_public_id", "group_public_id", "credential_name", "org__name")
    list_select_related = ("org",)
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
