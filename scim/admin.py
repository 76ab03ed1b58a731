"""Staff admin: SCIM users, groups and the provisioning log of every org (runs in all_orgs_scope).

All read-only: the IdP owns these rows (a staff edit would be overwritten and skip the org's rules),
and the log is the record. Nothing can be added or deleted here; the one write, Deactivate, goes
through the directory's service and is audited with the staff member as the actor.
"""

from django.contrib import admin, messages
from django.db.models import Count

from tenants.admin import ReadOnlyInline, ReadOnlyModelAdmin

from .models import Group, ProvisioningEvent, ScimUser, ScimUserEmail
from .services.users import scim_user_deactivate


class DirectoryAdmin(ReadOnlyModelAdmin):
    """No add, change or delete (so no delete_selected action either): every field is read-only."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


class ScimUserEmailInline(ReadOnlyInline):
    model = ScimUserEmail
    fields = ("value", "type", "primary", "display")
    readonly_fields = fields


@admin.register(ScimUser)
class ScimUserAdmin(DirectoryAdmin):
    list_display = ("user_name", "org", "display_name", "active", "external_id", "last_modified")
    list_filter = ("active", "org")
    search_fields = ("user_name", "public_id", "external_id", "display_name", "org__name")
    list_select_related = ("org",)
    inlines = [ScimUserEmailInline]
    actions = ["deactivate"]

    @admin.action(description="Deactivate (signs their console account out)", permissions=["view"])
    def deactivate(self, request, queryset):
        users = list(queryset.select_related("org"))
        for user in users:
            scim_user_deactivate(org=user.org, actor=request.actor, public_id=user.public_id)
        messages.success(request, f"Deactivated {len(users)} user(s). Their IdP may reactivate them on its next sync.")


@admin.register(Group)
class GroupAdmin(DirectoryAdmin):
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
class ProvisioningEventAdmin(DirectoryAdmin):
    list_display = ("created", "org", "method", "path", "status", "scim_type", "credential_name", "duration_ms")
    list_filter = ("org", "method", "status", "scim_type")
    search_fields = ("path", "user_public_id", "group_public_id", "credential_name", "org__name")
    list_select_related = ("org",)
    date_hierarchy = "created"
