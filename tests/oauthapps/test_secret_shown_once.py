"""Issue 12: a secret is made once per form. Ten simultaneous submits of one rotate form rotate once,
ten of one new-SCIM-token form create one token, and a reload (the browser re-posts the form) shows
"Secret already shown" and makes nothing. Races use real threads against a live server on PostgreSQL."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from oauthapps import scopes
from oauthapps.models import ScimToken
from tenants.models import AuditEvent
from tenants.scoping import org_scope

from .conftest import principal_for, scim_token_form
from .oauth_flow import TOKEN_PATH
from .test_console import shown

RACERS = 10


class ConsoleBrowser:
    """One signed-in console session, driven over HTTP with its session cookie and CSRF token."""

    def __init__(self, live_server, user):
        client = Client()
        client.force_login(user)
        self.base = live_server.url
        self.cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    def _cookie_header(self):
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def form(self, page_url: str, action: str) -> dict:
        """The hidden fields of the page's form posting to `action` (the CSRF token among them)."""
        response = requests.get(self.base + page_url, headers=self._cookie_header(), timeout=30)
        assert response.status_code == 200, response.text
        if settings.CSRF_COOKIE_NAME in response.cookies:
            # Secure cookies aren't sent back over http by requests: carry it by hand.
            self.cookies[settings.CSRF_COOKIE_NAME] = response.cookies[settings.CSRF_COOKIE_NAME]
        form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', response.text, re.S).group(0)
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

    def post_all_at_once(self, action: str, fields: dict) -> list[str]:
        start = threading.Barrier(RACERS)

        def post(_):
            start.wait()
            response = requests.post(self.base + action, data=fields, timeout=60,
                                     headers={**self._cookie_header(), "Connection": "close"})
            assert response.status_code == 200, response.text
            return response.text

        with ThreadPoolExecutor(RACERS) as pool:
            return list(pool.map(post, range(RACERS)))


def _shown(page: str, element_id: str) -> str | None:
    found = re.search(rf'<code id="{element_id}">([^<]+)</code>', page)
    return found.group(1) if found else None


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_submits_of_one_rotate_form_rotate_once(live_server, org, owner, entra_app):
    application, old_secret = entra_app
    browser = ConsoleBrowser(live_server, owner)
    action = reverse("console:oauth_app_rotate", args=[application.client_id])
    fields = browser.form(reverse("console:oauth_app_detail", args=[application.client_id]) + "?tab=credentials",
                          action)

    pages = browser.post_all_at_once(action, {**fields, "grace_days": 0})

    secrets_shown = [secret for secret in (_shown(page, "client-secret") for page in pages) if secret]
    assert len(secrets_shown) == 1
    assert sum("Secret already shown" in page for page in pages) == RACERS - 1
    with org_scope(org):
        assert AuditEvent.objects.filter(action="oauth_app.secret_rotated").count() == 1
    token = requests.post(live_server.url + TOKEN_PATH, data={"grant_type": "client_credentials"},
                          auth=(application.client_id, secrets_shown[0]), timeout=30)
    assert token.status_code == 200, token.text
    stale = requests.post(live_server.url + TOKEN_PATH, data={"grant_type": "client_credentials"},
                          auth=(application.client_id, old_secret), timeout=30)
    assert stale.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_submits_of_one_scim_token_form_create_one_token(live_server, org, owner):
    browser = ConsoleBrowser(live_server, owner)
    action = reverse("console:scim_token_new")
    fields = browser.form(reverse("console:scim_tokens"), action)

    pages = browser.post_all_at_once(action, {**fields, "name": "Okta header", "scopes": [scopes.READ]})

    tokens_shown = [raw for raw in (_shown(page, "scim-token") for page in pages) if raw]
    assert len(tokens_shown) == 1
    assert sum("Secret already shown" in page for page in pages) == RACERS - 1
    with org_scope(org):
        assert ScimToken.objects.count() == 1
        assert AuditEvent.objects.filter(action="scim_token.created").count() == 1
    assert principal_for(tokens_shown[0]).org == org


def test_reloading_copy_the_scim_token_page_creates_no_second_token(owner_client, org):
    form = scim_token_form(owner_client, name="Okta header", scopes=[scopes.READ])
    first = owner_client.post(reverse("console:scim_token_new"), form)
    raw = shown(first, "scim-token")

    reload = owner_client.post(reverse("console:scim_token_new"), form)

    assert reload.status_code == 200 and "Secret already shown" in reload.content.decode()
    assert raw not in reload.content.decode() and 'id="scim-token"' not in reload.content.decode()
    with org_scope(org):
        assert ScimToken.objects.count() == 1
    # A fresh form (the page shown again) creates the next token.
    again = owner_client.post(reverse("console:scim_token_new"),
                              scim_token_form(owner_client, name="Second", scopes=[scopes.READ]))
    assert shown(again, "scim-token") != raw


def test_a_scim_token_form_without_its_generation_creates_nothing(owner_client, org):
    response = owner_client.post(reverse("console:scim_token_new"), {"name": "Okta", "scopes": [scopes.READ]})
    assert "Secret already shown" in response.content.decode()
    with org_scope(org):
        assert not ScimToken.objects.exists()
