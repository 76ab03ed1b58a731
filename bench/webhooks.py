"""`python -m bench webhooks`: a burst of directory events against the production processes.

On the fault tests' stack (tests/faults/stack.py: a private PostgreSQL and Redis, gunicorn, the outbox
relay, one Celery worker with beat), an org with a webhook endpoint on loopback records N events in
transactions of 1,000, as an IdP's import would; halfway through, an owner invites someone. Measured:
when the receiver holds every event (each verified with standardwebhooks, in order, once) and how long
the invitation e-mail waited while the deliveries were being drained.
"""

from __future__ import annotations

import os
import time

from tests.faults.stack import Stack

BATCH = 1000


def run_webhook_burst(*, events: int) -> dict:
    stack = Stack(extra_env={"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1", "WEBHOOK_ALLOW_HTTP": "1"})
    stack.start()
    receiver = None
    try:
        os.environ.update({key: value for key, value in stack.env.items() if key.isupper()})
        import django

        django.setup()
        from tests.events.test_webhooks import Receiver

        receiver = Receiver()
        from django.db import transaction

        from accounts.models import User
        from events.services import event_record, webhook_endpoint_create
        from tenants.audit import Actor
        from tenants.invitations import invitation_create
        from tenants.models import Organization

        org = Organization.objects.get(public_id=stack.demo["organization"]["id"])
        owner = User.objects.get(email=stack.demo["owner"]["email"])
        _endpoint, secret = webhook_endpoint_create(org=org, actor=Actor.member(owner), url=receiver.url,
                                                    event_types=["user.created"])
        started = time.monotonic()
        invited_at = None
        for first in range(0, events, BATCH):
            with transaction.atomic():
                for n in range(first, min(first + BATCH, events)):
                    event_record(org=org, actor=Actor.system("bench import"), type="user.created",
                                 resource_type="User", resource_id=f"US{n:032d}", data={"userName": f"u{n}@acme.example"})
            if invited_at is None and first + BATCH >= events // 2:
                with transaction.atomic():
                    invitation_create(org=org, actor=Actor.member(owner), email="mid-import@acme.example", role="admin")
                invited_at = time.time()
        recorded = time.monotonic() - started
        email_after = delivered_after = None
        while time.monotonic() - started < 600 and (email_after is None or delivered_after is None):
            if email_after is None and (sent_at := stack.email_sent_at("mid-import@acme.example")) is not None:
                email_after = sent_at - invited_at
            if delivered_after is None and sum(1 for _h, _b, status in receiver.requests if status == 204) >= events:
                delivered_after = time.monotonic() - started
            time.sleep(0.2)
        delivered = receiver.delivered(secret)
        sequences = [payload["sequence"] for payload in delivered]
        return {
            "events": events, "recorded_seconds": round(recorded, 1),
            "all_delivered_seconds": delivered_after and round(delivered_after, 1),
            "deliveries_per_second": delivered_after and round(events / delivered_after),
            "email_waited_seconds": email_after and round(email_after, 2),
            "in_order_once": sequences == sorted(set(sequences)) and len(sequences) == events,
        }
    finally:
        if receiver is not None:
            receiver.server.shutdown()
        stack.remove()
