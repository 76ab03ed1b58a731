"""Okta's authorization-code setup, end to end in Debian's chromium: the authorize URL, sign-in,
consent, the redirect to a callback server on loopback that plays Okta, the PKCE code exchange and a
SCIM call with the token. A library client does not enforce the consent page's CSP; a browser does.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from oauth2_provider.models import AbstractApplication

from oauthapps import scopes
from oauthapps.services import application_create
from tenants.audit import Actor
from tenants.models import Membership
from tests.factories import TEST_PASSWORD, UserFactory, add_member
from tests.oauthapps.oauth_flow import AUTHORIZE_PATH, TOKEN_PATH, new_code_verifier, oauth_session

pytestmark = pytest.mark.browser
CALLBACK_PATH = "/oauth2/v1/authorize/callback"


class OktaCallback:
    """Okta's redirect URI, on 127.0.0.1: records the query string of each request it receives."""

    def __init__(self):
        self.queries: list[dict[str, str]] = []
        self.arrived = threading.Event()
        callback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path == CALLBACK_PATH:  # not the browser's /favicon.ico
                    callback.queries.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                    callback.arrived.set()
                body = b"<!doctype html><title>Okta</title><p>Okta received the answer.</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{CALLBACK_PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, timeout=10) -> dict[str, str]:
        assert self.arrived.wait(timeout), "the browser never reached Okta's callback"
        return self.queries[-1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def okta_callback():
    callback = OktaCallback()
    yield callback
    callback.close()


@pytest.fixture(autouse=True)
def plain_http_for_the_live_server(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def okta(django_db_setup, live_server, org, okta_callback):
    """An org admin, and Okta's app registered with the loopback callback; its OAuth session with PKCE."""
    admin = UserFactory(email="admin@acme.example")
    add_member(org, admin, Membership.Role.ADMIN)
    application, secret = application_create(
        org=org, actor=Actor.member(admin), grant_type=AbstractApplication.GRANT_AUTHORIZATION_CODE, name="Okta",
        company_name="Acme", redirect_url=okta_callback.url, allow_loopback_http=True,
        scopes=[scopes.LIST, scopes.READ, scopes.OFFLINE_ACCESS],
    )
    session = oauth_session(
        application.client_id, secret, scope="managed-users/list managed-users/read offline_access",
        redirect_uri=okta_callback.url, code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = new_code_verifier()
    url, state = session.create_authorization_url(live_server.url + AUTHORIZE_PATH, code_verifier=verifier)
    yield {"admin": admin, "session": session, "verifier": verifier, "url": url, "state": state}
    session.close()


def _sign_in_and_answer(page, okta, button: str, screenshot, name: str):
    page.goto(okta["url"])
    page.get_by_label("E-mail").fill(okta["admin"].email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Approve access").wait_for()
    screenshot(page, name)
    page.get_by_role("button", name=button).click()


def test_okta_consent_approve_in_chromium_then_code_exchange_and_scim(
        page, live_server, okta, okta_callback, screenshot):
    _sign_in_and_answer(page, okta, "Approve access", screenshot, "okta-consent")
    answer = okta_callback.answer()
    assert answer["state"] == okta["state"]
    # The callback records the request before it answers: wait for the page, not for the request.
    page.get_by_text("Okta received the answer.").wait_for()

    callback_url = okta_callback.url + "?" + urlsplit(page.url).query
    token = okta["session"].fetch_token(live_server.url + TOKEN_PATH, authorization_response=callback_url,
                                        code_verifier=okta["verifier"])
    assert token["refresh_token"]
    listed = okta["session"].get(live_server.url + "/scim/v2/Users", params={"startIndex": 1, "count": 2})
    assert listed.status_code == 200, listed.text
    assert listed.json()["totalResults"] == 0


def test_okta_consent_deny_in_chromium_sends_access_denied(page, okta, okta_callback, screenshot):
    _sign_in_and_answer(page, okta, "Deny", screenshot, "okta-consent-deny")
    answer = okta_callback.answer()
    assert answer["error"] == "access_denied"
    assert answer["state"] == okta["state"]
    assert "code" not in answer
