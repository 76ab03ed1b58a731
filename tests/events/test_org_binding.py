"""Every public service and selector of the events app is bound to the org it is given
(tests/org_binding.py explains the checks)."""

import pytest
from django.db import transaction

from events import selectors, services
from events.models import WebhookDelivery
from tenants.audit import Actor
from tenants.scoping import org_scope
from tests import org_binding

MODULES = [services, selectors]
CROSS_ORG: dict[str, str] = {}


@pytest.fixture
def world(org, other_org, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    world = {"actor": Actor.system("test")}
    for key, each in (("a", org), ("b", other_org)):
        endpoint, _secret = services.webhook_endpoint_create(org=each, actor=world["actor"], url="https://hooks.example.com/")
        with transaction.atomic():
            event = services.event_record(org=each, actor=world["actor"], type="domain.verified", resource_type="Domain",
                                          resource_id="DO1", data={})
        with org_scope(each):
            delivery = WebhookDelivery.objects.get(event=event)
        world.update({key: each, f"{key}_endpoint": endpoint, f"{key}_event": event, f"{key}_delivery": delivery})
    return world


def _for_a(w):
    return {"org": w["a"], "actor": w["actor"]}


CALLS = {
    "events.services.event_record": lambda w: services.event_record(
        **_for_a(w), type="domain.verified", resource_type="Domain", resource_id="DO2", data={}),
    "events.services.webhook_endpoint_create": lambda w: services.webhook_endpoint_create(
        **_for_a(w), url="https://other.example.com/"),
    "events.services.webhook_endpoint_set_enabled": lambda w: services.webhook_endpoint_set_enabled(
        **_for_a(w), endpoint=w["a_endpoint"], enabled=False),
    "events.services.webhook_endpoint_delete": lambda w: services.webhook_endpoint_delete(
        **_for_a(w), endpoint=w["a_endpoint"]),
    "events.services.webhook_endpoint_drain": lambda w: services.webhook_endpoint_drain(
        org=w["a"], endpoint_id=w["b_endpoint"].pk),
    "events.services.webhook_delivery_resend": lambda w: services.webhook_delivery_resend(
        **_for_a(w), delivery=w["a_delivery"]),
    "events.services.webhook_endpoint_send_test": lambda w: services.webhook_endpoint_send_test(
        **_for_a(w), endpoint=w["a_endpoint"]),
    "events.selectors.webhook_delivery_by_public_id": lambda w: selectors.webhook_delivery_by_public_id(
        org=w["a"], public_id=w["a_delivery"].public_id),
    "events.selectors.org_events": lambda w: selectors.org_events(org=w["a"]),
    "events.selectors.org_webhook_endpoints": lambda w: selectors.org_webhook_endpoints(org=w["a"]),
    "events.selectors.webhook_endpoint_by_public_id": lambda w: selectors.webhook_endpoint_by_public_id(
        org=w["a"], public_id=w["a_endpoint"].public_id),
    "events.selectors.webhook_endpoint_recent_deliveries": lambda w: selectors.webhook_endpoint_recent_deliveries(
        org=w["a"], endpoint=w["a_endpoint"]),
}

test_every_public_function_is_bound_to_its_org, test_call_reaches_no_other_org = org_binding.binding_tests(
    MODULES, CROSS_ORG, CALLS)
