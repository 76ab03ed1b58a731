"""Shapes of the management API's requests and responses. No business logic: requests are checked
for shape only, and the services decide (and refuse with the same words as in the console)."""

from __future__ import annotations

from rest_framework import serializers

from events.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from oauthapps import scopes as scope_names
from oauthapps.models import Application, ScimToken
from scim.models import Group, ProvisioningEvent, ScimUser
from tenants import domain_checks
from tenants.models import AuditEvent, Domain, Invitation, Membership, Organization

from .pagination import PageParameters

ROLES = Membership.Role.choices


def shown_once(base: type[serializers.ModelSerializer], field: str, help_text: str) -> type:
    """`base` plus the secret that only the creating response carries, read from the context[field]."""

    def secret(self, _instance) -> str:
        return self.context[field]

    meta = type("Meta", (base.Meta,), {"fields": [*base.Meta.fields, field],
                                       "read_only_fields": [*base.Meta.fields, field]})
    name = base.__name__.removesuffix("Serializer") + "WithSecretSerializer"
    return type(name, (base,), {field: serializers.SerializerMethodField(help_text=help_text),
                                f"get_{field}": secret, "Meta": meta, "__module__": __name__})


# --- Organization, members, invitations, domains ---------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "require_verified_domains", "username_must_equal_primary_email",
                  "send_welcome_emails", "created"]
        read_only_fields = fields


class OrganizationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    require_verified_domains = serializers.BooleanField(required=False)
    username_must_equal_primary_email = serializers.BooleanField(required=False)
    send_welcome_emails = serializers.BooleanField(required=False)


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "display_name", "role", "suspended_by_idp", "created"]
        read_only_fields = fields


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLES)


class InvitationSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "display_name", "status", "created", "expires", "invited_by"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=ROLES, default=Membership.Role.MEMBER)
    display_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)


class DomainSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    dns_record_name = serializers.SerializerMethodField()
    dns_record_value = serializers.SerializerMethodField()
    https_file_url = serializers.SerializerMethodField()

    class Meta:
        model = Domain
        fields = ["id", "name", "status", "verified_by_method", "date_last_verification", "last_checked",
                  "last_failure_reason", "created", "dns_record_name", "dns_record_value", "https_file_url"]
        read_only_fields = fields

    def get_dns_record_name(self, domain) -> str:
        return domain_checks.dns_record_name(domain.name)

    def get_dns_record_value(self, domain) -> str:
        return domain_checks.dns_record_value(domain.token)

    def get_https_file_url(self, domain) -> str:
        return domain_checks.https_file_url(domain.name)


class DomainCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)


class DomainVerifySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Domain.Method.choices)


# --- OAuth applications and SCIM tokens -----------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="client_id", read_only=True)
    client_id = serializers.CharField(read_only=True)
    grant_type = serializers.CharField(source="authorization_grant_type", read_only=True)
    redirect_urls = serializers.SerializerMethodField()
    scopes = serializers.ListField(source="allowed_scopes", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Application
        fields = ["id", "client_id", "name", "grant_type", "status", "description", "company_name", "redirect_urls",
                  "scopes", "access_token_lifetime", "created", "updated"]
        read_only_fields = fields

    def get_redirect_urls(self, application) -> list[str]:
        return application.redirect_uris.split()


ApplicationWithSecretSerializer = shown_once(ApplicationSerializer, "client_secret", "Shown once: only its hash is stored.")


class ApplicationCreateSerializer(serializers.Serializer):
    grant_type = serializers.ChoiceField(choices=[Application.GRANT_AUTHORIZATION_CODE,
                                                  Application.GRANT_CLIENT_CREDENTIALS])
    name = serializers.CharField(max_length=255)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=scope_names.DESCRIPTIONS), allow_empty=False)
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
    company_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    redirect_url = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000,
                                         help_text="Required for authorization_code; https, exact match.")
    access_token_lifetime = serializers.IntegerField(required=False, default=3600, min_value=300, max_value=86400)


class ApplicationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    redirect_urls = serializers.ListField(child=serializers.CharField(max_length=2000), required=False,
                                         max_length=20)


class SecretRotationSerializer(serializers.Serializer):
    grace_days = serializers.IntegerField(min_value=0, max_value=30, default=7,
                                          help_text="How long the previous secret keeps working.")


class RotatedSecretSerializer(serializers.Serializer):
    client_secret = serializers.CharField(help_text="Shown once: only its hash is stored.")


class ScimTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = ScimToken
        fields = ["id", "name", "scopes", "created", "expires", "last_used", "revoked"]
        read_only_fields = fields


ScimTokenWithSecretSerializer = shown_once(ScimTokenSerializer, "token", "Shown once: only its hash is stored.")


class ScimTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=scope_names.MANAGED_USERS), allow_empty=False)
    expires = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                        help_text="At least 15 minutes from now; null for no expiry.")


# --- The directory and the logs (read-only) ----------------------------------------------------------


class UserEmailSerializer(serializers.Serializer):
    value = serializers.CharField()
    type = serializers.CharField()
    primary = serializers.BooleanField()


class DirectoryUserSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    emails = UserEmailSerializer(many=True, read_only=True)

    class Meta:
        model = ScimUser
        fields = ["id", "external_id", "user_name", "display_name", "given_name", "family_name", "title",
                  "active", "emails", "created", "last_modified"]
        read_only_fields = fields


class DirectoryGroupSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Group
        fields = ["id", "external_id", "display_name", "member_count", "created", "last_modified"]
        read_only_fields = fields


class ProvisioningEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvisioningEvent
        fields = ["id", "created", "method", "path", "credential_name", "status", "scim_type", "duration_ms",
                  "user_public_id", "group_public_id"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "created", "actor_kind", "actor_label", "actor_address", "action", "object_type",
                  "object_id", "object_repr", "detail"]
        read_only_fields = fields


# --- Events and webhook endpoints ----------------------------------------------------------------


class EventResourceSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class EventSerializer(serializers.Serializer):
    """An event as its webhook carries it."""

    id = serializers.CharField()
    type = serializers.ChoiceField(choices=EVENT_TYPES)
    sequence = serializers.IntegerField(help_text="Increases by one with each event of the org, in commit order.")
    org = serializers.CharField()
    time = serializers.DateTimeField()
    actor = serializers.CharField(help_text="Who made the change: the IdP credential, a member, the system.")
    resource = EventResourceSerializer()
    data = serializers.DictField(help_text="The resource as the API renders it, and what changed.")

    def to_representation(self, event):
        return event.payload()


class EventFilters(PageParameters):
    type = serializers.MultipleChoiceField(choices=EVENT_TYPES, required=False, default=(),
                                           help_text="Only these types (repeat the parameter).")


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "enabled", "disabled_reason", "secret_prefix", "created"]
        read_only_fields = fields


WebhookEndpointWithSecretSerializer = shown_once(WebhookEndpointSerializer, "secret",
                                                 "The signing secret, shown once.")


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2048, help_text="An https URL.")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES), required=False,
                                        default=list, help_text="Empty: every type.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    event = serializers.CharField(source="event.public_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_type", "status", "attempts", "response_code", "error", "last_attempt",
                  "next_attempt", "created"]
        read_only_fields = fields


class WebhookTestSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    response_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


# --- Filters -------------------------------------------------------------------------------------


class UserFilters(PageParameters):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200,
                              help_text="Part of a userName, name or e-mail, or an exact externalId.")
    active = serializers.ChoiceField(choices=["yes", "no"], required=False, default="")


class GroupFilters(PageParameters):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200,
                              help_text="Part of a displayName or externalId.")


class ProvisioningFilters(PageParameters):
    status = serializers.ChoiceField(choices=["ok", "errors"], required=False, default=None)
    method = serializers.ChoiceField(choices=["GET", "POST", "PUT", "PATCH", "DELETE"], required=False, default=None)
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200,
                              help_text="Part of the path or credential name, or a user id.")


class AuditFilters(PageParameters):
    actor_kind = serializers.ChoiceField(choices=["member", "staff", "credential", "system"], required=False,
                                         default="")
    actor_label = serializers.CharField(required=False, default="", allow_blank=True, max_length=255)
    action = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)
