"""Redis (the Celery broker) stopped under write load against real server processes (tests/faults/stack.py):
SCIM creates (a welcome e-mail each) and console invitations (an invitation e-mail each).

Writes neither fail nor wait on the broker: their e-mails are outbox rows committed with them. Once
the broker is back the relay publishes every row and the worker sends each e-mail exactly once.
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


def test_broker_stopped_under_load_slows_no_write_and_every_email_goes_out_once(stack):
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
