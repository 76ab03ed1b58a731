import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AbstractApplication

from tenants.models import TenantModel
from tenants.public_ids import PublicIdField, new_public_id


def new_client_id() -> str:
    return new_public_id("OQ")


class Application(TenantModel, AbstractApplication):
    """An IdP's OAuth client (django-oauth-toolkit's swappable Application), owned by one org."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"

    client_id = models.CharField(max_length=34, unique=True, default=new_client_id, editable=False)
    description = models.TextField(blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    allowed_scopes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    access_token_lifetime = models.PositiveIntegerField(default=3600, help_text="Seconds")
    # During a rotation grace period the previous secret (hashed, as the current one) still works.
    previous_client_secret = models.CharField(max_length=255, blank=True, editable=False)
    previous_client_secret_expires = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        indexes = [models.Index(fields=["org", "status"], name="oauthapps_app_org_status")]

    def __str__(self):
        return self.name or self.client_id

    def is_usable(self, request):
        # DOT asks this when it loads the client and again when it validates a bearer token.
        return self.status == self.Status.ACTIVE

    def get_allowed_schemes(self):
        # Registration (oauthapps.services) decides which http redirect URLs are allowed
        # (loopback, in DEBUG only); the exact-match check then only needs the registered schemes.
        loopback = any(is_loopback_http(uri) for uri in self.redirect_uris.split())
        return ["https", "http"] if loopback else ["https"]

    def previous_secret_matches(self, provided: str) -> bool:
        """True while a rotated-out secret is in its grace period and `provided` is that secret."""
        if not self.previous_client_secret or self.previous_client_secret_expires is None:
            return False
        if self.previous_client_secret_expires <= timezone.now():
            return False
        return check_password(provided, self.previous_client_secret)

    @property
    def is_authorization_code(self) -> bool:
        return self.authorization_grant_type == self.GRANT_AUTHORIZATION_CODE


def is_loopback_http(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")


def validate_redirect_url(url: str) -> None:
    """Exact-match redirect URLs: https, or http to localhost/127.0.0.1 for demos (DEBUG only)."""
    parts = urlsplit(url)
    if parts.fragment or not parts.hostname or parts.username or parts.password:
        raise ValidationError("Enter an absolute URL without a fragment or credentials.", code="redirect_url")
    if parts.scheme == "https":
        return
    if is_loopback_http(url) and settings.DEBUG:
        return
    raise ValidationError("Redirect URLs must use https.", code="redirect_url")


def hash_bearer_token(raw: str) -> str:
    # Bearer tokens carry 256 random bits, so a fast hash is enough and keeps lookups indexable.
    return hashlib.sha256(raw.encode()).hexdigest()


class BearerCredential(TenantModel):
    """What SCIM tokens and API keys share: a name, who created it and when, an optional expiry, when
    it was last used and revoked. Each stores only a hash of its secret."""

    name = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class ScimToken(BearerCredential):
    """A static bearer token an IdP sends to the SCIM service (Okta "HTTP Header" mode and others)."""

    public_id = PublicIdField(prefix="ST")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The token's last characters (never enough to use it): tells two tokens of one name apart.
    hint = models.CharField(max_length=8, blank=True, default="", editable=False)
    scopes = models.JSONField(default=list)

    HINT_LENGTH = 4

    # Every raw SCIM token contains it; django-oauth-toolkit's access tokens (letters and digits) never do.
    RAW_MARKER = "_scim_"

    class Meta:
        indexes = [models.Index(fields=["org", "revoked"], name="oauthapps_scimtoken_org_rev")]
        ordering = ["-created"]

    @staticmethod
    def generate_raw_token() -> str:
        return f"{settings.PRODUCT_SLUG}{ScimToken.RAW_MARKER}{secrets.token_urlsafe(32)}"

    @property
    def masked(self) -> str:
        """How lists show the token: its fixed prefix and last characters, e.g. idadmin_scim_…x7Qa."""
        return f"{settings.PRODUCT_SLUG}_scim_…{self.hint}" if self.hint else f"{settings.PRODUCT_SLUG}_scim_…"


class ApiKey(BearerCredential):
    """An org's key for the management API (/api/v1/), sent as `Authorization: Bearer <key>`.

    It reads, or reads and writes with the role it was given (owner or admin). It acts only while the
    member who created it is still an owner or admin of the org, and never with more than their role.
    Stored hashed; `prefix` (the key's first characters) is what the console shows to tell keys apart.
    """

    class Access(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read_write", "Read and write"

    ROLES = [("owner", "Owner"), ("admin", "Admin")]

    public_id = PublicIdField(prefix="AK")
    prefix = models.CharField(max_length=32, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.READ)
    role = models.CharField(max_length=16, choices=ROLES, default="admin")

    class Meta:
        verbose_name = "API key"
        indexes = [models.Index(fields=["org", "revoked"], name="oauthapps_apikey_org_rev")]
        ordering = ["-created"]

    @property
    def can_write(self) -> bool:
        return self.access == self.Access.READ_WRITE

    @staticmethod
    def generate_raw_key() -> str:
        return f"{settings.PRODUCT_SLUG}_api_{secrets.token_urlsafe(32)}"

    @staticmethod
    def prefix_of(raw: str) -> str:
        # The slug, "_api_" and 8 random characters: enough to tell keys apart, far too few to guess one.
        return raw[: len(settings.PRODUCT_SLUG) + 5 + 8]


class ExchangedCode(TenantModel):
    """An authorization code that was exchanged, and what it was exchanged for (RFC 6749 §4.1.2).

    Inserting the row is the exchange's claim: its checksum, unique in the org, lets only one exchange of a code
    through even when two race. A later attempt to use the code finds the row and revokes the tokens
    the first exchange issued. Nothing here is a secret: SHA-256 checksums only. Rows are pruned once
    no reuse could matter (oauthapps.tasks).
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    code_checksum = models.CharField(max_length=64)
    access_token_checksum = models.CharField(max_length=64)
    refresh_token_checksum = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The client, and so the org, is known when a code is presented: the claim is unique per org.
        constraints = [models.UniqueConstraint(fields=["org", "code_checksum"], name="oauthapps_code_org_checksum")]
        indexes = [models.Index(fields=["org", "created"], name="oauthapps_code_org_created")]
