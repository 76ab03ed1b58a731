"""Every write of directory events and webhook endpoints, and the webhook drain."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from tenants import audit
from tenants.audit import Actor
from tenants.effects import enqueue_effect
from tenants.models import Organization
from tenants.prepared_queries import insert_columns_and_values
from tenants.scoping import org_bound
from tenants.services import _acting_role

from . import outgoing, signing
from .models import EVENT_TYPES, Event, EventStream, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
Status = WebhookDelivery.Status


@org_bound
def event_record(*, org: Organization, actor: Actor, type: str, resource_type: str, resource_id: str,
                 data: dict) -> Event:
    """Record that something happened, in the caller's transaction, and queue it for the org's webhook
    endpoints that want it (one drain task per endpoint, however many events a sync makes)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}.")
    # savepoint=False: inside the change's transaction this costs no SAVEPOINT round trips; an error
    # rolls the whole change back anyway. One statement when no endpoint listens.
    with transaction.atomic(savepoint=False):
        event = Event(org=org, type=type, actor_label=actor.label, resource_type=resource_type,
                      resource_id=resource_id, data=data)
        if not _insert_numbered(event):
            return event
        endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(enabled=True) if endpoint.wants(type)]
        WebhookDelivery.objects.bulk_create([WebhookDelivery(org=org, endpoint=endpoint, event=event)
                                             for endpoint in endpoints])
        for endpoint in endpoints:
            _queue_drain(org, endpoint)
    return event


def _next_sequence_sql() -> str:
    """The org's next event number and whether it has enabled endpoints, in one upsert that locks the
    org's EventStream row until the transaction ends (ON CONFLICT DO UPDATE locks as SELECT ... FOR
    UPDATE would), so events are numbered in commit order. The ORM has no upsert-returning; org_id is
    its one parameter."""
    table = connection.ops.quote_name(EventStream._meta.db_table)
    return (f"INSERT INTO {table} (org_id, last_sequence, has_endpoints) VALUES (%s, 1, false) ON CONFLICT (org_id) "
            f"DO UPDATE SET last_sequence = {table}.last_sequence + 1 RETURNING last_sequence, has_endpoints")


def _insert_numbered(event: Event) -> bool:
    """INSERT `event` with the org's next number; whether the org has enabled endpoints.

    On PostgreSQL the number is taken in the same statement (the upsert as a WITH clause feeding the
    INSERT): one round trip on every directory write instead of two. SQLite (the demo's) has no
    INSERT inside WITH and takes two."""
    quote = connection.ops.quote_name
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_next_sequence_sql(), [event.org_id])
            event.sequence, has_endpoints = cursor.fetchone()
        event.save(force_insert=True)
        return bool(has_endpoints)
    columns, values, params = insert_columns_and_values(event, connection, computed={"sequence": "next.last_sequence"})
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH next AS ({_next_sequence_sql()}) INSERT INTO {quote(Event._meta.db_table)} ({columns}) "
            f"SELECT {', '.join(values)} FROM next "
            f"RETURNING {quote(Event._meta.pk.column)}, {quote('sequence')}, (SELECT has_endpoints FROM next)",
            [event.org_id, *params])
        event.pk, event.sequence, has_endpoints = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias  # as save() leaves a saved row
    return bool(has_endpoints)


def _count_endpoints(org: Organization) -> None:
    EventStream.objects.get_or_create(org=org)
    EventStream.objects.update(has_endpoints=WebhookEndpoint.objects.filter(enabled=True).exists())


def _queue_drain(org: Organization, endpoint: WebhookEndpoint) -> None:
    from .tasks import deliver_webhooks

    if WebhookEndpoint.objects.filter(pk=endpoint.pk, drain_queued=False).update(drain_queued=True):
        enqueue_effect(deliver_webhooks, endpoint_id=endpoint.pk, org_id=org.pk)


def _validate_url(url: str) -> str:
    if not url.startswith("https://") and not settings.WEBHOOK_ALLOW_HTTP:
        raise ValidationError("A webhook URL must start with https://.", code="https_required")
    return url


@org_bound
def webhook_endpoint_create(*, org: Organization, actor: Actor, url: str,
                            event_types: list[str] | None = None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is returned here once and never shown again."""
    unknown = sorted(set(event_types or ()) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(f"Unknown event types: {', '.join(unknown)}.", code="unknown_event_type")
    with transaction.atomic():
        _acting_role(actor)
        secret = signing.new_secret()
        endpoint = WebhookEndpoint(org=org, url=_validate_url(url), event_types=sorted(set(event_types or ())),
                                   secret_encrypted=signing.encrypt(secret), secret_prefix=secret[:10])
        endpoint.full_clean(exclude=["secret_encrypted"])
        endpoint.save()
        _count_endpoints(org)
        audit.record(org=org, actor=actor, action="webhook_endpoint.created", obj=endpoint,
                     detail={"url": endpoint.url, "event_types": endpoint.event_types})
    return endpoint, secret


@org_bound
def webhook_endpoint_set_enabled(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint, enabled: bool,
                                 reason: str = "") -> WebhookEndpoint:
    with transaction.atomic():
        _acting_role(actor)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.enabled == enabled:
            return endpoint
        endpoint.enabled, endpoint.disabled_reason = enabled, "" if enabled else reason
        endpoint.save(update_fields=["enabled", "disabled_reason"])
        _count_endpoints(org)
        audit.record(org=org, actor=actor, action="webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled",
                     obj=endpoint, detail={"reason": reason} if reason else {})
        if enabled and WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.PENDING).exists():
            _queue_drain(org, endpoint)
    return endpoint


@org_bound
def webhook_endpoint_delete(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        _acting_role(actor)
        audit.record(org=org, actor=actor, action="webhook_endpoint.deleted", obj=endpoint, detail={"url": endpoint.url})
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
        _count_endpoints(org)


def _backoff(attempts: int) -> timedelta:
    """10 s after the first failure, doubling, at most an hour apart."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


@org_bound
def webhook_endpoint_drain(*, org: Organization, endpoint_id: int, now=timezone.now) -> datetime | None:
    """Send the endpoint's pending deliveries in event order, one at a time, until none is left (None),
    one fails (returns when to try again) or WEBHOOK_DRAIN_BATCH went out (returns now: the task queues
    itself behind whatever else waits, so a sync of 10,000 changes never holds a worker for long).
    One drain per endpoint at a time (a session advisory lock: the sends are network calls, so no
    transaction stays open across them); one connection per drain."""
    if not _drain_lock(endpoint_id, take=True):
        return now() + timedelta(seconds=2)  # another drain holds it; look again shortly
    try:
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(drain_queued=False)
        endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).first()
        if endpoint is None:
            return None
        secret, pools = signing.decrypt(endpoint.secret_encrypted), {}
        try:
            return _send_batch(org, endpoint, secret, pools, now)
        finally:
            outgoing.close_pools(pools)
    finally:
        _drain_lock(endpoint_id, take=False)


def _send_batch(org: Organization, endpoint: WebhookEndpoint, secret: str, pools: dict, now) -> datetime | None:
    for _sent in range(settings.WEBHOOK_DRAIN_BATCH):
        delivery = _next_pending(endpoint)
        if delivery is None:
            return None
        if delivery.next_attempt and delivery.next_attempt > now():
            return delivery.next_attempt
        retry_at = _attempt(org, endpoint, delivery, secret, now(), pools)
        if retry_at is not None:
            return retry_at
    # A batch sent: yield the worker (e-mails and domain checks queued meanwhile go first), come back.
    return now() if _next_pending(endpoint) is not None else None


def _drain_lock(endpoint_id: int, *, take: bool) -> bool:
    """A PostgreSQL session advisory lock per endpoint (the SQLite demo runs one task at a time)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {'pg_try_advisory_lock' if take else 'pg_advisory_unlock'}(%s)",
                       [DRAIN_LOCK_CLASS << 32 | endpoint_id])
        return cursor.fetchone()[0]


DRAIN_LOCK_CLASS = 0x7765  # "we": the high half of the advisory lock key for webhook drains


def _next_pending(endpoint: WebhookEndpoint) -> WebhookDelivery | None:
    return (WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.PENDING)
            .select_related("event", "event__org").order_by("event__sequence").first())


def _attempt(org: Organization, endpoint: WebhookEndpoint, delivery: WebhookDelivery, secret: str,
             now: datetime, pools: dict) -> datetime | None:
    body = json.dumps(delivery.event.payload(), separators=(",", ":"))
    outcome = outgoing.post(endpoint.url, body, signing.signed_headers(secret, delivery.public_id, now, body), pools)
    delivery.attempts += 1
    delivery.last_attempt, delivery.response_code, delivery.error = now, outcome.status, outcome.error[:255]
    if outcome.ok:
        delivery.status, delivery.next_attempt = Status.SUCCEEDED, None
        delivery.save()
        return None
    if now - delivery.created >= timedelta(hours=settings.WEBHOOK_RETRY_HOURS):
        delivery.status = Status.FAILED
        delivery.save()
        _give_up(org, endpoint, delivery)
        return None
    delivery.next_attempt = now + _backoff(delivery.attempts)
    delivery.save()
    log.warning("webhook %s to %s failed (%s); retrying at %s", delivery.public_id, endpoint.url, outcome.error,
                delivery.next_attempt.isoformat())
    return delivery.next_attempt


def _give_up(org: Organization, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    """After a day of failures: the endpoint is disabled, what it missed is marked failed (the events
    list still has it), and the owners are told."""
    from .tasks import send_webhook_disabled_email

    reason = f"Failing for {settings.WEBHOOK_RETRY_HOURS} hours: {delivery.error}"
    with transaction.atomic():
        webhook_endpoint_set_enabled(org=org, actor=Actor.system("webhooks"), endpoint=endpoint, enabled=False,
                                     reason=reason[:255])
        WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.PENDING).update(status=Status.FAILED)
        enqueue_effect(send_webhook_disabled_email, endpoint_id=endpoint.pk, org_id=org.pk)
    log.error("webhook endpoint %s disabled: %s", endpoint.public_id, reason)


@org_bound
def webhook_delivery_resend(*, org: Organization, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (after the receiver is fixed): it goes back in its place in the queue."""
    with transaction.atomic():
        _acting_role(actor)
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        delivery.status, delivery.next_attempt = Status.PENDING, None
        delivery.save(update_fields=["status", "next_attempt"])
        if delivery.endpoint.enabled:
            _queue_drain(org, delivery.endpoint)
    return delivery


TEST_EVENT_TYPE = "webhook.test"


@org_bound
def webhook_endpoint_send_test(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint) -> outgoing.Outcome:
    """Send one signed test message now and say how the receiver answered (nothing is recorded)."""
    _acting_role(actor)
    now = timezone.now()
    body = json.dumps({"id": "test", "type": TEST_EVENT_TYPE, "org": org.public_id, "time": now.isoformat(),
                       "actor": actor.label, "data": {"message": "A test event from the console."}},
                      separators=(",", ":"))
    message_id = f"test_{endpoint.public_id}_{int(now.timestamp())}"
    secret = signing.decrypt(endpoint.secret_encrypted)
    return outgoing.post(endpoint.url, body, signing.signed_headers(secret, message_id, now, body))
