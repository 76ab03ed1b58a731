"""What happened in an org's directory (events, kept 30 days, ordered per org) and where it is pushed
(webhook endpoints and their deliveries)."""

from django.db import models
from django.utils import timezone

from tenants.models import TenantModel
from tenants.public_ids import PublicIdField

EVENT_TYPES = (
    "user.created", "user.updated", "user.deactivated", "user.reactivated", "user.deleted",
    "group.created", "group.updated", "group.deleted", "group.member_added", "group.member_removed",
    "domain.verified", "domain.verification_lost",
)


class EventStream(TenantModel):
    """An org's event counter. Taking the next number locks this row until the change commits, so
    events are numbered in commit order and a consumer paging by number never skips one that
    commits late."""

    last_sequence = models.BigIntegerField(default=0)
    # Whether any endpoint is enabled, kept by the endpoint services: an event in an org without
    # webhooks costs no endpoint query.
    has_endpoints = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org"], name="events_stream_one_per_org")]


class Event(TenantModel):
    public_id = PublicIdField(prefix="EV", unique=True)
    sequence = models.BigIntegerField()
    type = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)
    actor_label = models.CharField(max_length=255, blank=True)
    resource_type = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64)
    # The resource as the API renders it, plus what the type needs ("changed", "members").
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "sequence"], name="events_event_org_sequence")]
        indexes = [models.Index(fields=["org", "created"], name="events_event_org_created")]
        ordering = ["sequence"]

    def __str__(self):
        return f"{self.type} {self.resource_id}"

    def payload(self) -> dict:
        """The body a webhook carries and the events list shows."""
        return {"id": self.public_id, "type": self.type, "sequence": self.sequence, "org": self.org.public_id,
                "time": self.created.isoformat(), "actor": self.actor_label,
                "resource": {"type": self.resource_type, "id": self.resource_id}, "data": self.data}


class WebhookEndpoint(TenantModel):
    public_id = PublicIdField(prefix="WE", unique=True)
    url = models.URLField(max_length=2048)
    # Empty: every type.
    event_types = models.JSONField(default=list, blank=True)
    # The Standard Webhooks signing secret ("whsec_..."), encrypted (events.signing): the receiver
    # verifies with the same secret, so it can't be hashed. Shown once.
    secret_encrypted = models.BinaryField()
    secret_prefix = models.CharField(max_length=16)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # A drain task is queued: more events do not queue another (a burst is one task, not thousands).
    drain_queued = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["org", "enabled"], name="events_endpoint_org_enabled")]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # given up: the endpoint was disabled

    public_id = PublicIdField(prefix="WD", unique=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt = models.DateTimeField(null=True, blank=True)
    # When the drain should try again after a failure (exponential backoff); null: now.
    next_attempt = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "endpoint", "event"], name="events_delivery_once")]
        indexes = [models.Index(fields=["org", "endpoint", "status", "event"], name="events_delivery_queue")]
        ordering = ["event__sequence"]

    def __str__(self):
        return f"{self.event} -> {self.endpoint}"
