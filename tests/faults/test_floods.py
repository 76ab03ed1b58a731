"""Floods against a live gunicorn with the production rate limits on (counters in the stack's Redis):
a SCIM credential that sends far more than any IdP does is answered 429 with a SCIM error body and
Retry-After, and a client guessing its secret at the token endpoint is throttled."""

from __future__ import annotations

import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tenants.rate_limits import SCIM_WINDOW_SECONDS
from tests.deploy.test_slow_clients import free_port, wait_for_port

from .stack import REPO

pytestmark = pytest.mark.xdist_group("faults")
SCIM_REQUESTS = 2000
SCIM_RATE = 20  # per second, averaged over 10 s
WRONG_SECRETS = 500


@pytest.fixture(scope="module")
def limited(stack):
    """A second gunicorn on the stack's database and Redis, with rate limits on (the stack's are off)."""
    port = free_port()
    server = stack._spawn(sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
                          "--bind", f"127.0.0.1:{port}", "--workers", "2", "--env", "RATE_LIMITS_ENABLED=1",
                          # A fifth of the default, so that even a busy CI machine floods past it.
                          "--env", f"SCIM_RATE_PER_CREDENTIAL={SCIM_RATE}")
    wait_for_port(port, server)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


def flood(send, count: int) -> list[requests.Response]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _n: send(), range(count)))


def test_a_scim_flood_on_one_credential_is_answered_429_with_retry_after(stack, limited):
    started = time.monotonic()
    answers = flood(lambda: requests.get(f"{limited}/scim/v2/Users?count=1", headers=stack.scim_headers, timeout=30),
                    SCIM_REQUESTS)
    seconds = time.monotonic() - started
    statuses = Counter(answer.status_code for answer in answers)
    print(f"scim_flood requests={SCIM_REQUESTS} seconds={seconds:.1f} statuses={dict(statuses)}")
    assert set(statuses) <= {200, 429} and statuses[429] > 0 and statuses[200] > 0, statuses
    # A window's worth in each window the flood touched, never more: how many it touched depends on how fast a
    # busy machine sent it (a fixed bound of half the flood failed on a CI run that sent it slowly).
    windows_touched = int(seconds // SCIM_WINDOW_SECONDS) + 2
    assert statuses[200] <= SCIM_RATE * SCIM_WINDOW_SECONDS * windows_touched, (statuses, seconds)
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["status"] == "429" and refused.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_guessing_a_client_secret_is_throttled(stack, limited):
    client_id = stack.demo["oauth"]["client_credentials_app"]["client_id"]
    answers = flood(lambda: requests.post(f"{limited}/oauth/v2/token", timeout=30, data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"}), WRONG_SECRETS)
    statuses = Counter(answer.status_code for answer in answers)
    print(f"token_flood requests={WRONG_SECRETS} statuses={dict(statuses)}")
    assert set(statuses) <= {401, 429} and statuses[429] > 0, statuses
    assert statuses[401] <= 60  # the per-client limit per minute (30) with margin for the window edge
    assert all("Retry-After" in answer.headers for answer in answers if answer.status_code == 429)
