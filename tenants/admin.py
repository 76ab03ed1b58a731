from django.contrib import admin

from .models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "org"
    extra = 0
    fields = ("user", "role", "created", "invited_by")
    readonly_fields = ("created",)
    raw_id_fields = ("user", "invited_by")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "created")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "org", "role", "created")
    list_filter = ("role", "org")
    search_fields = ("user__email", "user__display_name", "org__name", "org__public_id")
    list_select_related = ("user", "org")
    raw_id_fields = ("user", "invited_by")
    readonly_fields = ("public_id", "created")
