"""Webhooks in chromium: add an endpoint, copy its secret once, send a test event that a real receiver on
loopback verifies with the standardwebhooks library, see a delivery fail and resend it."""

from datetime import timedelta

import pytest
from django.db import transaction
from playwright.sync_api import expect

from events import services
from events.models import WebhookDelivery
from tenants.audit import Actor
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.events.test_webhooks import Receiver
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_adds_an_endpoint_tests_it_and_resends_a_failed_delivery(page, live_server, sign_in, screenshot,
                                                                           settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = settings.WEBHOOK_ALLOW_HTTP = True
    receiver = Receiver()
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    console_errors = []
    page.on("console", lambda message: console_errors.append((message.text, message.location.get("url")))
            if message.type == "error" else None)
    sign_in(page, owner.email, TEST_PASSWORD)

    page.get_by_role("link", name="Webhooks", exact=True).click()
    expect(page.locator("#webhook-endpoints-empty")).to_be_visible()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("h1")).to_contain_text("Copy the signing secret")
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    screenshot(page, "webhook-secret")
    page.locator("#got-it").check()
    page.get_by_role("button", name="Finish").click()

    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator(".messagelist")).to_contain_text("answered HTTP 204")
    [test_event] = receiver.delivered(secret)
    assert test_event["type"] == "webhook.test" and test_event["org"] == org.public_id

    receiver.failures = 1  # the first call of the next event fails
    with org_scope(org), transaction.atomic():
        services.event_record(org=org, actor=Actor.system("test"), type="domain.verified", resource_type="Domain",
                              resource_id="DO1", data={"name": "acme.example"})
    page.reload()
    row = page.locator("#webhook-deliveries tbody tr").first
    expect(row).to_contain_text("Answered HTTP 500")
    expect(row).to_contain_text("Pending")
    screenshot(page, "webhook-delivery-failed")

    with org_scope(org):
        delivery = WebhookDelivery.objects.get()
    # The retry at its backoff (a delayed task in production).
    services.webhook_endpoint_drain(org=org, endpoint_id=delivery.endpoint_id, now=lambda: delivery.created + timedelta(minutes=1))
    page.reload()
    expect(row).to_contain_text("Succeeded")
    row.get_by_role("button", name="Resend").click()
    expect(page.locator(".messagelist")).to_contain_text("Queued to be sent again")

    delivered = receiver.delivered(secret)
    assert [payload["type"] for payload in delivered] == ["webhook.test", "domain.verified", "domain.verified"]
    sent_ids = [headers["webhook-id"] for headers, _body, status in receiver.requests if status == 204]
    assert sent_ids[1] == sent_ids[2] == delivery.public_id  # a resend keeps its id: receivers dedupe on it
    assert console_errors == [], console_errors
    receiver.server.shutdown()
