"""The staff admin of orgs, memberships, domains and the audit log.

Staff never write around the services (DESIGN.md invariant 8): every change goes through
tenants.services with request.actor (Actor.staff), so the rules hold (the last owner, the per-org
limits) and each change lands in the org's audit log. Orgs and audit rows are never deleted here.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User, normalize_email

from . import services
from .errors import NotFound
from .models import AuditEvent, Domain, Effect, Membership, Organization


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records written only by the system (logs): staff read them, never add or edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent that staff read only (tenant data changes through services)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _take_over(unsaved, saved) -> None:
    """Make the admin's unsaved instance the row a service created, so the admin's history entry and
    redirect point at it."""
    unsaved.__dict__.update(saved.__dict__)


def _refusal(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class MembershipInline(ReadOnlyInline):
    """Read-only: roles change through the Memberships list's actions, which keep the last-owner rule."""

    model = Membership
    fk_name = "org"
    fields = ("user", "role", "suspended_by_idp", "created", "invited_by")
    readonly_fields = fields


class OrganizationAddForm(forms.ModelForm):
    """Staff create an org with its first owner, an existing account (organization_create)."""

    owner_email = forms.EmailField(label="Owner's e-mail", help_text="An existing account; it becomes the first owner.")

    class Meta:
        model = Organization
        fields = ["name"]

    def clean_owner_email(self):
        owner = User.objects.filter(email=normalize_email(self.cleaned_data["owner_email"])).first()
        if owner is None:
            raise ValidationError("No account has this e-mail; add the person under Users first.")
        self.cleaned_data["owner"] = owner
        return owner.email


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "require_verified_domains", "created")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created")
    inlines = [MembershipInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OrganizationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "owner_email"] if obj is None else super().get_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # an org's audit log must outlive any mistake made here

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.organization_create(
                name=form.cleaned_data["name"], owner=form.cleaned_data["owner"], actor=request.actor
            )
            _take_over(obj, created)
            return
        editable = (*services.SETTINGS_FIELDS, *services.STAFF_SETTINGS_FIELDS)
        changes = {field: form.cleaned_data[field] for field in form.changed_data if field in editable}
        if changes:
            services.organization_update_policy(org=obj, actor=request.actor, **changes)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only rows; staff change roles and remove people with actions that call the same services
    as the console (the last owner stays, and each change is audited)."""

    list_display = ("user", "org", "role", "suspended_by_idp", "created")
    list_filter = ("role", "suspended_by_idp", "org")
    search_fields = ("user__email", "user__display_name", "org__name", "org__public_id")
    list_select_related = ("user", "org")
    actions = ["make_owner", "make_admin", "make_member", "remove_from_organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request):
        """The actions below need the right to change memberships, though the rows are read-only."""
        return request.user.has_perm("tenants.change_membership")

    def _apply(self, request, queryset, service, done: str, **kwargs) -> None:
        succeeded = 0
        for membership in queryset.select_related("org", "user"):
            try:
                service(org=membership.org, actor=request.actor, membership=membership, **kwargs)
            except (ValidationError, PermissionDenied, NotFound) as error:
                self.message_user(request, f"{membership.user.email} in {membership.org.name}: {_refusal(error)}",
                                  messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done} {succeeded} membership(s).", messages.SUCCESS)

    @admin.action(description="Make owner", permissions=["manage"])
    def make_owner(self, request, queryset):
        self._apply(request, queryset, services.membership_change_role, "Made owner:", role=Membership.Role.OWNER)

    @admin.action(description="Make admin", permissions=["manage"])
    def make_admin(self, request, queryset):
        self._apply(request, queryset, services.membership_change_role, "Made admin:", role=Membership.Role.ADMIN)

    @admin.action(description="Make member", permissions=["manage"])
    def make_member(self, request, queryset):
        self._apply(request, queryset, services.membership_change_role, "Made member:", role=Membership.Role.MEMBER)

    @admin.action(description="Remove from organization", permissions=["manage"])
    def remove_from_organization(self, request, queryset):
        self._apply(request, queryset, services.membership_remove, "Removed")


class DomainAddForm(forms.ModelForm):
    """Staff add a domain for an org with the console's rules: validated here by the service's own
    checks (nothing is written during validation), created by DomainAdmin.save_model."""

    class Meta:
        model = Domain
        fields = ["org", "name"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["name"] = services.domain_validate_addition(
                org=cleaned["org"], actor=self.request.actor, name=cleaned["name"]
            )
        except (ValidationError, PermissionDenied) as error:
            self.add_error("name", _refusal(error))
        return cleaned


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

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, from the domain's page
        return actions

    def save_model(self, request, obj, form, change):
        if not change:  # nothing on a domain is edited by hand
            _take_over(obj, services.domain_add(org=obj.org, actor=request.actor, name=form.cleaned_data["name"]))

    def delete_model(self, request, obj):
        services.domain_remove(org=obj.org, actor=request.actor, domain=obj)

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
            services.domain_request_reverification(org=domain.org, actor=request.actor, domain=domain)
        self.message_user(request, f"Re-verification of {len(domains)} domain(s) queued.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only and never deleted: the record of what anyone did, staff included."""

    list_display = ("created", "org", "actor_kind", "actor_label", "actor_address", "action_words", "object_type",
                    "object_repr", "object_id", "detail_summary")
    list_filter = ("actor_kind", "action", "org")
    search_fields = ("object_id", "object_repr", "actor_label", "org__name", "org__public_id")
    list_select_related = ("org",)
    date_hierarchy = "created"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Effect)
class EffectAdmin(ReadOnlyModelAdmin):
    """The effect ledger (tenants/effects.py): which e-mails are pending, done or being sent again."""

    list_display = ("key", "task", "created", "sent", "done")
    list_filter = ("task", ("done", admin.EmptyFieldListFilter))
    search_fields = ("key",)
    date_hierarchy = "created"

    def has_delete_permission(self, request, obj=None):
        return False
