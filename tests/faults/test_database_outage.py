"""PostgreSQL stopped, then frozen, under load against real server processes (tests/faults/stack.py).

While the database is down or frozen every answer is fast: 503 with Retry-After (a SCIM error body on
SCIM, a short page on the console), never a 500 and never a hang. Every write acknowledged with 201 is
there afterwards with its welcome e-mail sent once, and the service recovers by itself.
"""

from __future__ import annotations

import time

import pytest

from .stack import DATABASE_CONNECT_TIMEOUT, DATABASE_WAIT_LIMIT, Load

pytestmark = pytest.mark.xdist_group("faults")
KINDS = ["console", "scim-read", "scim-write", "scim-write"]
# The slowest an answer may be during an outage: a stuck health check cut at the wait limit, then a
# reconnect that times out, once behind another client's request on each of the two workers (four
# clients), plus margin for two busy cores.
NO_HANG_SECONDS = 2 * (DATABASE_WAIT_LIMIT + DATABASE_CONNECT_TIMEOUT) + 2
# Longer than NO_HANG_SECONDS, so a request that waited for the whole outage would fail the test.
OUTAGE_SECONDS = NO_HANG_SECONDS + 2


def assert_fast_503s_then_recovery(load: Load, recovery_seconds: float | None) -> None:
    print(f"{load.summary()} recovery_seconds={recovery_seconds and round(recovery_seconds, 2)} "
          f"acknowledged_writes={len(load.created)}")
    statuses = load.statuses()
    assert statuses[500] == 0 and statuses[0] == 0, load.summary()
    assert statuses[503] > 0, "the outage was not observed"
    assert all(a.retry_after is not None for a in load.answers if a.status == 503), "503 without Retry-After"
    assert max(a.seconds for a in load.answers) < NO_HANG_SECONDS, load.summary()
    assert recovery_seconds is not None, "the service did not recover by itself"


def assert_no_write_or_effect_lost(stack, load: Load) -> None:
    lost = set(load.created) - stack.stored_user_names()
    assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {sorted(lost)[:5]}"
    # Each acknowledged user's welcome e-mail goes out, once (the one the worker was sending as the
    # database went away may go twice), though the worker met the outage too.
    stack.wait_for_emails(set(load.created))
    stack.assert_each_emailed_once(set(load.created), sent_as_the_database_died=1)


def test_postgres_stopped_under_load_is_503_then_recovers_with_no_acknowledged_write_lost(stack):
    with Load(stack, KINDS, prefix="stopped") as load:
        time.sleep(2)
        stack.database.stop()
        time.sleep(OUTAGE_SECONDS)
        stack.database.start()
        recovery = stack.wait_until_recovered()
        time.sleep(1)
    assert_fast_503s_then_recovery(load, recovery)
    assert_no_write_or_effect_lost(stack, load)


def test_postgres_frozen_under_load_is_503_within_the_wait_limit_not_a_hang(stack):
    with Load(stack, KINDS, prefix="frozen") as load:
        time.sleep(2)
        stack.database.freeze(True)
        time.sleep(OUTAGE_SECONDS)
        stack.database.freeze(False)
        recovery = stack.wait_until_recovered()
        time.sleep(1)
    assert_fast_503s_then_recovery(load, recovery)
    assert_no_write_or_effect_lost(stack, load)
