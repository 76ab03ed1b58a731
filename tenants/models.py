import math
from datetime import timedelta

import idna
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from .public_ids import PublicIdField
from .scoping import TenantManager


class Organization(models.Model):
    """A tenant: a company that signs in to the console and whose IdP provisions through SCIM."""

    public_id = PublicIdField(prefix="OR")
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    # Policy, set by owners in the console. SCIM asks tenants.selectors.domains_blocking_provisioning.
    require_verified_domains = models.BooleanField(
        "provisioned users must use a verified domain",
        default=True,
        help_text="Refuse to provision a user whose e-mail domain this organization has not verified.",
    )
    # Twilio's rule; off by default because Entra maps userPrincipalName and mail separately.
    username_must_equal_primary_email = models.BooleanField(
        default=False, help_text="SCIM: a user's userName must equal their primary e-mail."
    )
    send_welcome_emails = models.BooleanField(
        default=True, help_text="SCIM: e-mail a welcome message to each user the IdP creates."
    )
    require_mfa = models.BooleanField(
        "owners and admins must use two-factor sign-in", default=False,
        help_text="Each owner and admin sets up an authenticator app before using the console.",
    )
    # Set by staff only (tenants.services.STAFF_SETTINGS_FIELDS); empty: settings.SCIM_RATE_PER_ORG.
    scim_requests_per_second = models.PositiveIntegerField(
        "SCIM requests per second", null=True, blank=True,
        help_text="Averaged over 10 seconds, for the whole organization and for each of its credentials. "
                  "Empty: the default.",
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
    # Set by the org's IdP (SCIM active=false for this person) and cleared only by its reactivation:
    # the membership gives no access to this org meanwhile. The global account is never touched
    # (DESIGN.md invariant 9), so a staff decision (User.is_active) stays staff's.
    suspended_by_idp = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="tenants_membership_org_user_unique")]
        indexes = [models.Index(fields=["org", "role"], name="tenants_membership_org_role")]
        ordering = ["created"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def can_administer(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


INVITATION_LIFETIME = timedelta(days=7)


class Invitation(TenantModel):
    """An offer to join the org, which the person accepts (or declines) themselves: joining an org
    takes the person's acceptance (DESIGN.md invariant 9). Only a hash of the link's token is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    public_id = PublicIdField(prefix="IN")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    display_name = models.CharField(max_length=150, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # sha256 of the link's token; the token itself is derived when the e-mail is sent (tenants.invitations).
    token_hash = models.CharField(max_length=64)
    # Changed on every resend, which makes the previous link worthless.
    token_nonce = models.CharField(max_length=32)

    class Meta:
        constraints = [
            # One live invitation per person and org; a concurrent second invite hits this.
            models.UniqueConstraint(fields=["org", "email"], condition=models.Q(status="pending"),
                                    name="tenants_invitation_one_pending_per_email"),
        ]
        indexes = [
            models.Index(fields=["token_hash"], name="tenants_invitation_token"),
            models.Index(fields=["email", "status"], name="tenants_invitation_email"),
        ]
        ordering = ["-created"]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()}, {self.get_status_display()})"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired()


# A verified domain that fails its daily re-check stays usable this long before it lapses.
REVERIFICATION_GRACE = timedelta(days=30)


class Domain(TenantModel):
    """An e-mail domain the org claims; provisioning users at it needs it verified (see selectors)."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        VERIFIED = "verified", "Verified"
        VERIFIED_UNCERTAIN = "verified-uncertain", "Verified (re-check failing)"

    class Method(models.TextChoices):
        DNS = "dns", "DNS TXT record"
        HTTPS = "https", "HTTPS file"

    VERIFIED_STATUSES = (Status.VERIFIED, Status.VERIFIED_UNCERTAIN)

    public_id = PublicIdField(prefix="DM")
    # Normalised: lower case, IDNA (A-labels), no trailing dot; see tenants.domain_checks.
    name = models.CharField(max_length=253)
    # Not a secret: it is published in DNS or on the web server. It only has to be unguessable so
    # that nobody can prove a domain with a value they did not receive from us.
    token = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNVERIFIED)
    verified_by_method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    date_last_verification = models.DateTimeField(null=True, blank=True)
    # When the first failed re-check of a verified domain happened; the grace period runs from here.
    uncertain_since = models.DateTimeField(null=True, blank=True)
    # Last check attempt (also the daily re-check's claim, so a doubled beat checks a domain once).
    last_checked = models.DateTimeField(null=True, blank=True)
    last_failure_reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="tenants_domain_org_name_unique"),
            # Exclusivity across tenants (the one global constraint): a domain is verified by one org
            # at most. Subdomains are other names, so they may belong to other orgs.
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(status__in=["verified", "verified-uncertain"]),
                name="tenants_domain_verified_by_one_org",
            ),
        ]
        indexes = [models.Index(fields=["org", "status"], name="tenants_domain_org_status")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status in self.VERIFIED_STATUSES

    @property
    def unicode_name(self) -> str:
        """The name as people write it (münchen.de); `name` keeps the A-labels DNS uses (xn--mnchen-3ya.de)."""
        try:
            return idna.decode(self.name)
        except (idna.IDNAError, UnicodeError):
            return self.name

    @property
    def label(self) -> str:
        """How the console names the domain: "münchen.de (xn--mnchen-3ya.de)" for an IDN, else the name."""
        shown = self.unicode_name
        return self.name if shown == self.name else f"{shown} ({self.name})"

    def reverification_deadline(self):
        if self.status != self.Status.VERIFIED_UNCERTAIN or self.uncertain_since is None:
            return None
        return self.uncertain_since + REVERIFICATION_GRACE

    def days_left_to_reverify(self, now=None) -> int | None:
        """Whole days left before a failing verified domain lapses; None unless it is uncertain."""
        deadline = self.reverification_deadline()
        if deadline is None:
            return None
        # Rounded up: "1 day left" until the very last moment, "30" right after the first failure.
        return max(0, math.ceil((deadline - (now or timezone.now())) / timedelta(days=1)))


class AuditEvent(TenantModel):
    """One thing someone did to an org: a member in the console, staff in /admin/, an IdP credential,
    or the system. Written only by tenants.audit.record; append-only, enforced by a database trigger.

    `detail` holds names and ids only, never a secret or a hash: the org's admins read it.
    """

    created = models.DateTimeField(auto_now_add=True)
    actor_kind = models.CharField(max_length=16)
    # No FK constraint and no cascade: the row must outlive the account and must never be updated.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+",
    )
    # What the log shows for the actor, kept even if the account or credential is deleted later.
    actor_label = models.CharField(max_length=255, blank=True)
    actor_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["org", "-created"], name="tenants_audit_org_created"),
            models.Index(fields=["org", "action", "-created"], name="tenants_audit_org_action"),
            # The console's actor filter, and the list of actors it offers.
            models.Index(fields=["org", "actor_label", "-created"], name="tenants_audit_org_actor"),
        ]
        ordering = ["-created"]
        triggers = [
            pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.actor_label or self.get_actor_kind_display()}: {self.action_words} {self.object_repr}".strip()

    @property
    def action_words(self) -> str:
        from .audit import action_words

        return action_words(self.action)

    @property
    def detail_summary(self) -> str:
        """The detail in a few words: "role admin → owner", "fields: name, send welcome emails"."""
        detail, parts = dict(self.detail or {}), []
        if "from" in detail and "to" in detail:
            # "member.role_changed" -> "role"; other actions name no noun.
            verb = self.action.rpartition(".")[2]
            noun = verb.removesuffix("_changed") + " " if verb.endswith("_changed") else ""
            parts.append(f"{noun}{_words(detail.pop('from'))} → {_words(detail.pop('to'))}")
        for key, value in detail.items():
            if isinstance(value, dict) and {"from", "to"} <= set(value):
                value = f"{_words(value['from'])} → {_words(value['to'])}"
            elif key == "fields":
                value = ", ".join(str(name).replace("_", " ") for name in value)
            parts.append(f"{key.replace('_', ' ')}: {_words(value)}")
        return "; ".join(parts)

    def get_actor_kind_display(self) -> str:
        from .audit import ActorKind

        return ActorKind(self.actor_kind).label if self.actor_kind in ActorKind.values else self.actor_kind


def _words(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


class Effect(models.Model):
    """A side effect a write asked for (an e-mail), from the commit of that write until it is done.

    Written with the write and its outbox message (tenants.effects.enqueue_effect); the message's task
    id is the key. The task marks it done in the transaction that performs it, so a redelivered message
    finds it done and does nothing; one that never arrives (a broker that lost it) or failed (a mail
    server down) is sent again by tenants.tasks.redeliver_pending_effects. Relay bookkeeping, not org
    data: `kwargs` holds ids only.
    """

    key = models.CharField(max_length=64, primary_key=True)
    task = models.CharField(max_length=255)
    kwargs = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now)
    # When a message for it was last handed to the outbox.
    sent = models.DateTimeField(default=timezone.now)
    done = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["sent"], condition=models.Q(done__isnull=True), name="tenants_effect_pending"),
            models.Index(fields=["created"], name="tenants_effect_created"),
        ]

    def __str__(self):
        return f"{self.task} {self.key}"
