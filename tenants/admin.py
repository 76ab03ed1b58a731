from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from config.celery import enqueue_on_commit

from . import services
from . import audit
from .models import AuditEvent, Domain, Membership, Organization
from .tasks import reverify_domain


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records written only by the system (logs): staff read them, never add or edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "org"
    extra = 0
    fields = ("user", "role", "created", "invited_by")
    readonly_fields = ("created",)
    raw_id_fields = ("user", "invited_by")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "require_verified_domains", "created")
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


class DomainAddForm(forms.ModelForm):
    """Staff add a domain for an org through the same service as the console, with its refusals."""

    class Meta:
        model = Domain
        fields = ["org", "name"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            # The admin's add view is one transaction: if anything after this fails, the row goes too.
            self.instance = services.domain_add(org=cleaned["org"], actor=self.request.user, name=cleaned["name"])
        except ValidationError as error:
            self.add_error("name", error)
        return cleaned

    def validate_unique(self):
        pass  # the service checked; the row it created would otherwise be compared with itself


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = (
        "name", "org", "status", "verified_by_method", "date_last_verification", "days_left_to_reverify",
        "last_checked", "last_failure_reason",
    )
    list_filter = ("status", "org")
    search_fields = ("name", "org__name", "org__public_id", "public_id")
    list_select_related = ("org",)
    ordering = ("name", "org__name")
    actions = ["reverify_now"]
    # The token is published in DNS, not a secret, so staff may see it to help a customer.
    readonly_fields = (
        "public_id", "org", "name", "token", "status", "verified_by_method", "date_last_verification",
        "uncertain_since", "last_checked", "last_failure_reason", "created", "added_by",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=DomainAddForm, **kwargs)
        form.request = request
        return form

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return ["org", "name"] if obj is None else list(self.readonly_fields)

    def save_model(self, request, obj, form, change):
        pass  # added by services.domain_add in the form; nothing on a domain is edited by hand

    def delete_model(self, request, obj):
        services.domain_remove(org=obj.org, actor=request.user, domain=obj)

    def delete_queryset(self, request, queryset):
        for domain in queryset.select_related("org"):
            self.delete_model(request, domain)

    @admin.display(description="Days left to re-verify")
    def days_left_to_reverify(self, domain):
        return domain.days_left_to_reverify()

    @admin.action(description="Re-verify now (DNS and HTTPS)")
    def reverify_now(self, request, queryset):
        domains = list(queryset.select_related("org"))
        for domain in domains:
            audit.record(org=domain.org, actor=audit.Actor.staff(request.user), action="domain.reverify_requested",
                         obj=domain)
            enqueue_on_commit(reverify_domain, domain.pk)
        self.message_user(request, f"Re-verification of {len(domains)} domain(s) queued.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the record of what staff did must not be edited by staff."""

    list_display = ("created", "org", "actor_kind", "actor_label", "actor_address", "action_words", "object_type",
                    "object_repr", "object_id")
    list_filter = ("actor_kind", "action", "org")
    search_fields = ("object_id", "object_repr", "actor_label", "org__name", "org__public_id")
    list_select_related = ("org",)
    date_hierarchy = "created"

    def has_delete_permission(self, request, obj=None):
        return False
