from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__org")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")

    # An account is global, but its memberships cascade with it: the last owner of an org stays.
    def has_delete_permission(self, request, obj=None):
        if obj is not None and _orgs_only_owned_by(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        kept = [user for user in queryset if _orgs_only_owned_by(user)]
        for user in kept:
            names = ", ".join(org.name for org in _orgs_only_owned_by(user))
            messages.error(request, f"{user.email} was not deleted: they are the only owner of {names}. "
                                    "Make someone else an owner first, or deactivate the account instead.")
        super().delete_queryset(request, queryset.exclude(pk__in=[user.pk for user in kept]))


def _orgs_only_owned_by(user):
    from tenants.selectors import orgs_only_owned_by

    return orgs_only_owned_by(user=user)
