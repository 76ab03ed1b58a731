"""Events and their webhooks against a real HTTP receiver on loopback that verifies every signature with
the standardwebhooks library."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import Celery
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone
from django_celery_outbox.models import CeleryOutbox
from standardwebhooks import Webhook

from config.celery import app as celery_app
from events import selectors, services
from events.models import Event, WebhookDelivery
from tenants.audit import Actor
from tenants.scoping import org_scope
from tests.factories import OrganizationFactory

Status = WebhookDelivery.Status


class Receiver:
    """An HTTP server on 127.0.0.1 that answers `failures` requests with 500, then 204, and keeps what
    it was sent (verified with the endpoint's secret once the test knows it)."""

    def __init__(self):
        self.requests: list[tuple[dict, str, int]] = []
        self.failures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                status = 500 if receiver.failures > 0 else 204
                receiver.failures -= 1
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks?source=idadmin"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self, secret: str) -> list[dict]:
        """Payloads the receiver accepted, each verified as a Standard Webhooks receiver does."""
        return [Webhook(secret).verify(body, headers) for headers, body, status in self.requests if status == 204]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_ALLOW_HTTP = True
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def endpoint_for(org, url, **kwargs):
    return services.webhook_endpoint_create(org=org, actor=Actor.system("test"), url=url, **kwargs)


def record(org, type="domain.verified", resource_id="DO1", **data):
    return services.event_record(org=org, actor=Actor.system("test"), type=type, resource_type="Domain",
                                 resource_id=resource_id, data=data)


def drain(org, endpoint, at):
    return services.webhook_endpoint_drain(org=org, endpoint_id=endpoint.pk, now=lambda: at)


def test_an_event_reaches_the_endpoint_signed(org, receiver, django_capture_on_commit_callbacks):
    endpoint, secret = endpoint_for(org, receiver.url)
    assert secret.startswith("whsec_") and endpoint.secret_prefix == secret[:10]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = record(org, name="acme.example")
    [payload] = receiver.delivered(secret)
    assert payload["id"] == event.public_id and payload["type"] == "domain.verified"
    assert payload["org"] == org.public_id and payload["data"] == {"name": "acme.example"}
    [(headers, _body, _status)] = receiver.requests
    with org_scope(org):
        delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == delivery.public_id and delivery.status == Status.SUCCEEDED
    assert delivery.response_code == 204


def test_a_receiver_that_fails_then_recovers_gets_every_event_once_in_order(org, receiver):
    endpoint, secret = endpoint_for(org, receiver.url)
    receiver.failures = 3
    with transaction.atomic():  # in the test's transaction: the drains below are the tasks
        events = [record(org, resource_id=f"DO{n}") for n in range(5)]
    at = timezone.now()
    while (retry_at := drain(org, endpoint, at)) is not None:
        at = retry_at  # as the delayed retry task would, at its backoff
    delivered = receiver.delivered(secret)
    assert [payload["id"] for payload in delivered] == [event.public_id for event in events]
    assert [payload["sequence"] for payload in delivered] == [1, 2, 3, 4, 5]
    with org_scope(org):
        first = WebhookDelivery.objects.get(event=events[0])
    assert first.attempts == 4 and first.status == Status.SUCCEEDED
    # One webhook-id per delivery, kept across its retries: a receiver dedupes on it.
    ids_per_event = {json.loads(body)["id"]: headers["webhook-id"] for headers, body, _status in receiver.requests}
    assert len(set(ids_per_event.values())) == 5


def test_a_day_of_failures_disables_the_endpoint_and_tells_the_owners(
        org, owner, receiver, django_capture_on_commit_callbacks):
    endpoint, _secret = endpoint_for(org, receiver.url)
    receiver.failures = 10**6
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(org, resource_id="DO1")
        record(org, resource_id="DO2")
    assert drain(org, endpoint, timezone.now() + timedelta(hours=23)) is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert drain(org, endpoint, timezone.now() + timedelta(hours=25)) is None
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "Failing for 24 hours" in endpoint.disabled_reason
    with org_scope(org):
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.FAILED}
    assert [m.to for m in mail.outbox] == [[owner.email]] and endpoint.url in mail.outbox[0].body


def test_private_addresses_are_refused_outside_tests(org, receiver, settings, django_capture_on_commit_callbacks):
    endpoint, _secret = endpoint_for(org, receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(org)
    assert receiver.requests == []
    with org_scope(org):
        delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING and "private address" in delivery.error


def test_a_plain_http_url_is_refused_in_production(org, settings):
    from django.core.exceptions import ValidationError

    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError):
        endpoint_for(org, "http://hooks.example.com/")


def test_only_the_types_an_endpoint_asked_for_reach_it(org, receiver, django_capture_on_commit_callbacks):
    endpoint, secret = endpoint_for(org, receiver.url, event_types=["domain.verification_lost"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(org, type="domain.verified")
        record(org, type="domain.verification_lost")
    assert [payload["type"] for payload in receiver.delivered(secret)] == ["domain.verification_lost"]


def test_a_burst_of_events_is_one_drain_task_per_endpoint(org, receiver, monkeypatch):
    endpoint_for(org, receiver.url)
    endpoint_for(org, receiver.url)
    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(Celery, "send_task", lambda *a, **k: pytest.fail("the broker was contacted"))
    with transaction.atomic():
        for n in range(200):
            record(org, resource_id=f"DO{n}")
    assert CeleryOutbox.objects.filter(task_name="events.tasks.deliver_webhooks").count() == 2
    with org_scope(org):
        assert WebhookDelivery.objects.count() == 400


def test_the_events_list_pages_by_sequence_per_org(org, other_org):
    with transaction.atomic():
        mine = [record(org, resource_id=f"DO{n}") for n in range(3)]
        record(other_org)
    assert [e.sequence for e in selectors.org_events(org=org)] == [1, 2, 3]
    assert list(selectors.org_events(org=org).filter(sequence__gt=2)) == [mine[2]]
    assert list(selectors.org_events(org=org, types=["domain.verification_lost"])) == []
    assert [e.sequence for e in selectors.org_events(org=other_org)] == [1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_number_events_without_gaps_or_repeats():
    org = OrganizationFactory(name="Acme")
    start = threading.Barrier(4)

    def writer():
        start.wait()
        try:
            for n in range(10):
                with transaction.atomic():
                    record(org, resource_id=f"DO{n}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with org_scope(org):
        assert sorted(Event.objects.values_list("sequence", flat=True)) == list(range(1, 41))


def test_a_drain_yields_the_worker_after_a_batch(org, receiver, settings):
    settings.WEBHOOK_DRAIN_BATCH = 3
    endpoint, secret = endpoint_for(org, receiver.url)
    with transaction.atomic():  # in the test's transaction: the drains below are the tasks
        record_many = [record(org, resource_id=f"DO{n}") for n in range(7)]
    at = timezone.now()
    assert drain(org, endpoint, at) == at  # three sent, four left: come back at once, behind other tasks
    assert len(receiver.delivered(secret)) == 3
    assert drain(org, endpoint, at) == at and drain(org, endpoint, at) is None
    assert [payload["id"] for payload in receiver.delivered(secret)] == [event.public_id for event in record_many]


def test_an_event_costs_two_queries_in_an_org_without_webhooks(org, django_assert_max_num_queries):
    record(org)  # the org's first event makes its stream
    with django_assert_max_num_queries(2):  # the next number (row-locked) and the event
        record(org)


def test_an_endpoint_enabled_again_gets_the_events_after_it(org, receiver, django_capture_on_commit_callbacks):
    endpoint, secret = endpoint_for(org, receiver.url)
    services.webhook_endpoint_set_enabled(org=org, actor=Actor.system("test"), endpoint=endpoint, enabled=False)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(org, resource_id="missed")
    services.webhook_endpoint_set_enabled(org=org, actor=Actor.system("test"), endpoint=endpoint, enabled=True)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(org, resource_id="seen")
    assert [payload["resource"]["id"] for payload in receiver.delivered(secret)] == ["seen"]
