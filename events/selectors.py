"""Every read of events and webhook endpoints."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Organization
from tenants.scoping import org_bound
from tenants.selectors import _the_one

from .models import Event, WebhookDelivery, WebhookEndpoint


@org_bound
def org_events(*, org: Organization, types: list[str] | None = None) -> QuerySet[Event]:
    """The org's events in order (kept 30 days); a consumer pages on `sequence`."""
    events = Event.objects.select_related("org").order_by("sequence")
    return events.filter(type__in=types) if types else events


@org_bound
def org_webhook_endpoints(*, org: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("created")


@org_bound
def webhook_endpoint_by_public_id(*, org: Organization, public_id: str) -> WebhookEndpoint:
    return _the_one(WebhookEndpoint.objects.filter(public_id=public_id), "webhook endpoint")


@org_bound
def webhook_endpoint_recent_deliveries(*, org: Organization, endpoint: WebhookEndpoint,
                                       limit: int = 50) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-created")[:limit])


@org_bound
def webhook_delivery_by_public_id(*, org: Organization, public_id: str) -> WebhookDelivery:
    return _the_one(WebhookDelivery.objects.filter(public_id=public_id).select_related("endpoint"), "delivery")
