"""The token endpoint is rate limited per client id and per address, in Redis; with Redis down it
lets requests through and logs a warning."""

import itertools
import logging

import pytest

from oauthapps import views
from tenants.rate_limits import Limit
from tests.redis_server import private_redis  # noqa: F401  (a fixture)

from .test_oauth_refusals import basic

_addresses = (f"192.0.2.{n}" for n in itertools.count(1))  # a fresh counter per test


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(views, "TOKEN_LIMIT_PER_CLIENT", Limit("oauth-token-client", 5, 60))
    monkeypatch.setattr(views, "TOKEN_LIMIT_PER_ADDRESS", Limit("oauth-token-address", 8, 60))


def ask(client, application, secret, address):
    return client.post("/oauth/v2/token", {"grant_type": "client_credentials"},
                       HTTP_AUTHORIZATION=basic(application.client_id, secret), REMOTE_ADDR=address)


def test_guessing_a_client_secret_is_throttled_per_client(client, private_redis, small_limits, entra_app):
    application, secret = entra_app
    address = next(_addresses)
    # Counting windows are fixed: 11 requests span at most two windows of 5, so a 429 must come.
    answers = [ask(client, application, "wrong", address) for _ in range(11)]
    statuses = [answer.status_code for answer in answers]
    assert 429 in statuses and set(statuses[:statuses.index(429)]) == {401}
    refused = answers[statuses.index(429)]
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["error"] == "too_many_requests" and refused["Cache-Control"] == "no-store"


def test_one_address_is_throttled_across_clients(client, private_redis, small_limits, entra_app, org, owner):
    application, secret = entra_app
    address = next(_addresses)
    statuses = [  # 17 requests, each naming another client: two windows of 8 cannot hold them
        client.post("/oauth/v2/token", {"grant_type": "client_credentials", "client_id": f"OQ{n:032d}",
                                        "client_secret": "x"}, REMOTE_ADDR=address).status_code
        for n in range(17)
    ]
    assert 429 in statuses
    assert ask(client, application, secret, next(_addresses)).status_code == 200


def test_with_redis_down_tokens_are_still_issued_and_a_warning_is_logged(
        client, private_redis, small_limits, entra_app, caplog):
    application, secret = entra_app
    address = next(_addresses)
    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="tenants.rate_limits"):
        statuses = [ask(client, application, secret, address).status_code for _ in range(7)]
    assert statuses == [200] * 7  # over the limit of 5, but nothing counts while Redis is down
    assert "rate limits are not enforced" in caplog.text
