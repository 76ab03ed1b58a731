"""Concurrent token requests against a live server on PostgreSQL, with real threads: one refresh token
replayed at once by several requests, and one authorization code exchanged at once by several."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .conftest import OKTA_CALLBACK
from .oauth_flow import TOKEN_PATH, approve, authorization_url, code_from, new_code_verifier, okta_session

pytestmark = pytest.mark.django_db(transaction=True)
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
ROUNDS = 4
RACERS = 5


def _post_all_at_once(url, auth, bodies):
    """POST every body at the same moment, each from its own thread and connection."""
    start = threading.Barrier(len(bodies))

    def post(body):
        start.wait()
        response = requests.post(url, data=body, auth=auth, headers={"Connection": "close"}, timeout=30)
        return response.status_code, response.json()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def _code(client, admin, application, secret):
    client.force_login(admin)
    verifier = new_code_verifier()
    url, _ = authorization_url(okta_session(application, secret), code_verifier=verifier)
    return code_from(approve(client, url)), verifier


def test_concurrent_replays_of_one_refresh_token_leave_at_most_one_live_pair(live_server, client, admin, okta_app):
    application, secret = okta_app
    url, auth = live_server.url + TOKEN_PATH, (application.client_id, secret)
    for _ in range(ROUNDS):
        code, verifier = _code(client, admin, application, secret)
        first = requests.post(url, auth=auth, data={"grant_type": "authorization_code", "code": code,
                                                    "redirect_uri": OKTA_CALLBACK, "code_verifier": verifier}).json()
        rotated = requests.post(url, auth=auth, data={"grant_type": "refresh_token",
                                                      "refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200
        family = RefreshToken.objects.get(token_checksum__isnull=False, revoked__isnull=True,
                                          application=application).token_family

        answers = _post_all_at_once(url, auth, [{"grant_type": "refresh_token",
                                                 "refresh_token": first["refresh_token"]}] * RACERS)

        assert all(status in (200, 400) for status, _ in answers), answers
        assert sum(status == 200 for status, _ in answers) <= 1
        live = RefreshToken.objects.filter(token_family=family, revoked__isnull=True)
        assert live.count() <= 1
        assert AccessToken.objects.filter(application=application).count() == live.count()
        RefreshToken.revoke_family(family)


def test_concurrent_exchanges_of_one_code_issue_tokens_at_most_once(live_server, client, admin, okta_app):
    application, secret = okta_app
    url, auth = live_server.url + TOKEN_PATH, (application.client_id, secret)
    for _ in range(ROUNDS):
        code, verifier = _code(client, admin, application, secret)
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": OKTA_CALLBACK,
                    "code_verifier": verifier}

        answers = _post_all_at_once(url, auth, [exchange] * RACERS)

        statuses = sorted(status for status, _ in answers)
        assert statuses.count(200) <= 1, answers
        assert all(body.get("error") == "invalid_grant" for status, body in answers if status != 200)
