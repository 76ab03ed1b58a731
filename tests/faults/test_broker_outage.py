"""Redis (the Celery broker) stopped under write load against real server processes (tests/faults/stack.py):
SCIM creates (a welcome e-mail and a user.created webhook each) and console invitations (an e-mail each).

Writes neither fail nor wait on the broker: their e-mails and webhook drains are outbox rows committed
with them. Once the broker is back the relay publishes every row, each e-mail goes out exactly once and
the webhook receiver gets every event once, in order.
"""

from __future__ import annotations

import statistics
import time

import pytest

from .stack import Load

pytestmark = pytest.mark.xdist_group("faults")
OUTAGE_SECONDS = 6
# A write answers in well under this while the broker is down (it waited up to 1.8 s before the outbox).
SLOWEST_WRITE_SECONDS = 1.0


def test_broker_stopped_under_load_slows_no_write_and_every_email_and_event_goes_out_once(stack):
    from tests.events.test_webhooks import Receiver

    receiver = Receiver()
    secret = stack.add_webhook_endpoint(receiver.url, ["user.created"])
    with Load(stack, ["scim-write", "scim-write", "invite"], prefix="broker") as load:
        time.sleep(2)
        stack.broker.stop()
        down = (time.monotonic(), time.monotonic() + OUTAGE_SECONDS)
        time.sleep(OUTAGE_SECONDS)
        stack.broker.start()
        time.sleep(2)

    expected = {*load.created, *load.invited}
    delivered_after = stack.wait_for_emails(expected)
    received = stack.recipients()
    during = [a.seconds for a in load.answers if down[0] <= a.at <= down[1]]
    print(f"{load.summary()} writes_during_outage={len(during)} "
          f"median_during={statistics.median(during):.3f}s slowest_during={max(during):.3f}s "
          f"emails_expected={len(expected)} delivered={len(expected & set(received))} "
          f"all_delivered_after={delivered_after:.1f}s {stack.outbox_state()}")

    assert set(load.statuses()) <= {201, 302}, load.summary()
    assert len(during) > 10, "too little load during the outage to say anything"
    assert max(during) < SLOWEST_WRITE_SECONDS
    stack.assert_each_emailed_once(expected)

    # Each acknowledged create reached the webhook receiver once, signed, in the order of the events.
    started = time.monotonic()
    while time.monotonic() - started < 60 and len(receiver.delivered(secret)) < len(load.created):
        time.sleep(0.5)
    delivered = receiver.delivered(secret)
    receiver.server.shutdown()
    print(f"webhooks_expected={len(load.created)} delivered={len(delivered)} after={time.monotonic() - started:.1f}s")
    user_names = [payload["data"]["resource"]["userName"] for payload in delivered]
    assert sorted(user_names) == sorted(load.created), "a created user's event was lost or sent twice"
    sequences = [payload["sequence"] for payload in delivered]
    assert sequences == sorted(sequences), "events arrived out of order"
