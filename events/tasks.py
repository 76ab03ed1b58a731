import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.celery import app
from tenants import selectors as tenant_selectors
from tenants.effects import EffectTask
from tenants.models import Organization
from tenants.scoping import all_orgs_scope, org_scope

from . import services
from .models import Event, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
EVENTS_KEPT = timedelta(days=30)


@shared_task(acks_late=True)
def deliver_webhooks(*, endpoint_id: int, org_id: int) -> None:
    """Drain one endpoint's queue in order; after a failure, come back at its backoff."""
    org = Organization.objects.get(pk=org_id)
    retry_at = services.webhook_endpoint_drain(org=org, endpoint_id=endpoint_id)
    if app.conf.task_always_eager:
        # Inline (the demo, tests): nothing else waits for this worker; a failure is left to the sweep.
        while retry_at is not None and retry_at <= timezone.now():
            retry_at = services.webhook_endpoint_drain(org=org, endpoint_id=endpoint_id)
        return
    if retry_at is None:
        return
    with transaction.atomic(), org_scope(org):
        if WebhookEndpoint.objects.filter(pk=endpoint_id, drain_queued=False).update(drain_queued=True):
            deliver_webhooks.apply_async(kwargs={"endpoint_id": endpoint_id, "org_id": org_id}, eta=retry_at)


@shared_task
def drain_overdue_webhooks() -> int:
    """Beat, every minute: queue a drain for endpoints whose next try is overdue by a minute (a drain
    message the broker lost, a retry the demo runs inline)."""
    overdue = timezone.now() - timedelta(minutes=1)
    with all_orgs_scope():
        stalled = (WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, endpoint__enabled=True)
                   .filter(Q(next_attempt__lte=overdue) | Q(next_attempt__isnull=True, created__lte=overdue))
                   .values_list("endpoint_id", "org_id").distinct())
        pairs = list(stalled)
    for endpoint_id, org_id in pairs:
        deliver_webhooks.apply_async(kwargs={"endpoint_id": endpoint_id, "org_id": org_id})
    return len(pairs)


@shared_task(base=EffectTask)
def send_webhook_disabled_email(*, endpoint_id: int, org_id: int) -> None:
    org = Organization.objects.get(pk=org_id)
    with org_scope(org):
        endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    owners = tenant_selectors.org_owner_emails(org=org)
    if endpoint is None or endpoint.enabled or not owners:
        return
    send_mail(
        subject=f"A webhook endpoint of {org.name} was disabled",
        message=(f"Deliveries to {endpoint.url} kept failing, so the endpoint is disabled.\n\n"
                 f"{endpoint.disabled_reason}\n\nFix the receiver, then enable the endpoint again; the events it "
                 f"missed are in the events list.\n"),
        from_email=None,
        recipient_list=owners,
    )


@shared_task
def prune_events() -> int:
    """Events are kept 30 days (their deliveries go with them)."""
    with all_orgs_scope():
        deleted, _ = Event.objects.filter(created__lt=timezone.now() - EVENTS_KEPT).delete()
    return deleted
