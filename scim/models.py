"""The SCIM directory: users an IdP provisions into one org, and the log of every SCIM request.

A ScimUser is not an accounts.User: it is the org's directory entry that Okta or Entra owns. The one
link to accounts.User is by e-mail, for deactivation (scim.services.sync_account_access).
Groups (a later issue) will add a Group model and a membership table whose rows point at ScimUser;
members are addressed by ScimUser.public_id, never by pk.
"""

from django.db import models
from django.db.models.functions import Lower

from tenants.models import TenantModel
from tenants.public_ids import PublicIdField


class ScimUser(TenantModel):
    public_id = PublicIdField(prefix="US")
    external_id = models.CharField(max_length=255, null=True, blank=True)
    user_name = models.CharField(max_length=255)
    name_formatted = models.CharField(max_length=255, blank=True, default="")
    family_name = models.CharField(max_length=255, blank=True, default="")
    given_name = models.CharField(max_length=255, blank=True, default="")
    middle_name = models.CharField(max_length=255, blank=True, default="")
    honorific_prefix = models.CharField(max_length=64, blank=True, default="")
    honorific_suffix = models.CharField(max_length=64, blank=True, default="")
    display_name = models.CharField(max_length=255, blank=True, default="")
    nick_name = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    user_type = models.CharField(max_length=64, blank=True, default="")
    preferred_language = models.CharField(max_length=64, blank=True, default="")
    locale = models.CharField(max_length=64, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    # None only after a PATCH removed it (RFC 7644 §3.5.2.2); only False means deactivated.
    active = models.BooleanField(null=True, default=True)
    # Neither is filterable: a filter on them is 400 invalidFilter, so JSON keeps them simple.
    phone_numbers = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    # Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User).
    employee_number = models.CharField(max_length=255, blank=True, default="")
    cost_center = models.CharField(max_length=255, blank=True, default="")
    organization = models.CharField(max_length=255, blank=True, default="")
    division = models.CharField(max_length=255, blank=True, default="")
    department = models.CharField(max_length=255, blank=True, default="")
    manager_id = models.CharField(max_length=255, blank=True, default="")
    manager_display_name = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(auto_now=True)
    # Bumped on every write; meta.version is W/"<version>".
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint("org", Lower("user_name"), name="scim_user_org_username_ci_unique"),
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=models.Q(external_id__isnull=False),
                name="scim_user_org_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "id"], name="scim_user_org_id"),
            models.Index(fields=["org", "last_modified"], name="scim_user_org_modified"),
        ]
        ordering = ["id"]
        verbose_name = "SCIM user"

    def __str__(self):
        return self.user_name

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class ScimUserEmail(TenantModel):
    user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="emails")
    value = models.CharField(max_length=254)
    type = models.CharField(max_length=32, blank=True, default="")
    primary = models.BooleanField(default=False)
    display = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        indexes = [models.Index("org", Lower("value"), name="scim_email_org_value_ci")]
        ordering = ["id"]

    def __str__(self):
        return self.value


class ProvisioningEvent(TenantModel):
    """One SCIM request, as the org's admins see it in the provisioning log (never a secret)."""

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    credential_name = models.CharField(max_length=200, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    scim_type = models.CharField(max_length=32, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    user_public_id = models.CharField(max_length=34, blank=True, default="")
    request_body = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["org", "-created"], name="scim_event_org_created"),
            models.Index(fields=["org", "status"], name="scim_event_org_status"),
        ]
        ordering = ["-created"]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"
