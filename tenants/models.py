from django.conf import settings
from django.db import models

from .public_ids import PublicIdField
from .scoping import TenantManager


class Organization(models.Model):
    """A tenant: a company that signs in to the console and whose IdP provisions through SCIM."""

    public_id = PublicIdField(prefix="OR")
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    # Twilio's rule; off by default because Entra maps userPrincipalName and mail separately.
    username_must_equal_primary_email = models.BooleanField(
        default=False, help_text="SCIM: a user's userName must equal their primary e-mail."
    )
    send_welcome_emails = models.BooleanField(
        default=True, help_text="SCIM: e-mail a welcome message to each user the IdP creates."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TenantModel(models.Model):
    """Base of every tenant-owned row: carries org_id and is read only through the scoping manager."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        abstract = True


class Membership(TenantModel):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    public_id = PublicIdField(prefix="MB")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created = models.DateTimeField(auto_now_add=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="tenants_membership_org_user_unique")]
        indexes = [models.Index(fields=["org", "role"], name="tenants_membership_org_role")]
        ordering = ["created"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def can_administer(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)
