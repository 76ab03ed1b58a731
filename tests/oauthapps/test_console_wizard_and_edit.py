"""The create wizard as a product (issue 16, defects 11 and 12): prefilled company name, choice cards, a
stepper on every step, Cancel, a Finish that says what's next; apps whose details can be corrected; SCIM
tokens told apart by their last characters."""

import re

import pytest
from django.urls import reverse

from oauthapps import scopes
from oauthapps.models import Application
from oauthapps.services import application_create
from tenants.audit import Actor
from tenants.models import AuditEvent
from tenants.scoping import org_scope

from .conftest import OKTA_CALLBACK, scim_token_form
from .test_console import create_through_wizard

pytestmark = pytest.mark.django_db


def test_the_grant_type_step_offers_cards_and_cancel(owner_client):
    body = owner_client.get(reverse("console:oauth_app_new")).content.decode()
    assert 'class="console-choices"' in body and "Microsoft Entra ID" in body and "Okta (OAuth 2)" in body
    assert f'href="{reverse("console:oauth_apps")}">Cancel</a>' in body


def test_company_name_is_prefilled_and_optional(owner_client, org):
    owner_client.post(reverse("console:oauth_app_new"), {"grant_type": Application.GRANT_AUTHORIZATION_CODE})
    details = owner_client.get(reverse("console:oauth_app_new_details")).content.decode()
    assert 'name="company_name" value="Acme"' in details
    response = create_through_wizard(owner_client, Application.GRANT_AUTHORIZATION_CODE,
                                     {"name": "Okta", "redirect_url": OKTA_CALLBACK, "access_token_lifetime": 3600},
                                     [scopes.READ])
    assert response.status_code == 200
    with org_scope(org):
        assert Application.objects.get(name="Okta").company_name == "Acme"


def test_the_copy_step_keeps_the_stepper_and_finish_says_whats_next(owner_client):
    response = create_through_wizard(owner_client, Application.GRANT_CLIENT_CREDENTIALS,
                                     {"name": "Entra", "access_token_lifetime": 3600}, [scopes.READ])
    body = response.content.decode()
    assert re.search(r'<li aria-current="step">Copy secret</li>', body)
    assert body.count('class="done"') == 3
    client_id = re.search(r'<code id="client-id">([^<]+)</code>', body).group(1)
    finish = owner_client.get(reverse("console:oauth_app_detail", args=[client_id]), {"done": "1"})
    assert finish.status_code == 302 and finish["Location"] == reverse("console:oauth_app_detail", args=[client_id])
    page = owner_client.get(finish["Location"]).content.decode()
    assert "Entra is ready. Next:" in page and reverse("console:guide", args=["entra"]) in page


@pytest.fixture
def okta_app(org, owner):
    app, _ = application_create(org=org, actor=Actor.member(owner), grant_type=Application.GRANT_AUTHORIZATION_CODE,
                                name="Otka", company_name="Acme", redirect_url=OKTA_CALLBACK, scopes=[scopes.READ])
    return app


def test_an_apps_name_and_redirect_url_can_be_corrected(owner_client, org, okta_app):
    url = reverse("console:oauth_app_edit", args=[okta_app.client_id])
    assert 'value="Otka"' in owner_client.get(url).content.decode()
    response = owner_client.post(url, {"name": "Okta", "company_name": "Acme Inc",
                                       "redirect_url": "https://acme.okta.example/new/callback",
                                       "access_token_lifetime": 1800}, follow=True)
    assert "Details saved." in response.content.decode()
    okta_app.refresh_from_db()
    assert (okta_app.name, okta_app.redirect_uris, okta_app.access_token_lifetime) == (
        "Okta", "https://acme.okta.example/new/callback", 1800)
    with org_scope(org):
        event = AuditEvent.objects.get(action="oauth_app.updated")
    assert event.detail["changed"] == ["access_token_lifetime", "name", "redirect_url"]
    assert "30 minutes" in owner_client.get(reverse("console:oauth_app_detail", args=[okta_app.client_id])).content.decode()


def test_an_edit_cannot_set_a_plain_http_redirect_url(owner_client, okta_app):
    response = owner_client.post(reverse("console:oauth_app_edit", args=[okta_app.client_id]), {
        "name": "Okta", "redirect_url": "http://okta.example/callback", "access_token_lifetime": 3600})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    okta_app.refresh_from_db()
    assert okta_app.redirect_uris == OKTA_CALLBACK


def test_scim_tokens_of_one_name_are_told_apart_by_their_last_characters(owner_client):
    raws = []
    for _ in range(2):
        response = owner_client.post(reverse("console:scim_token_new"), scim_token_form(
            owner_client, name="Okta", scopes=[scopes.READ]))
        raws.append(re.search(r'<code id="scim-token">([^<]+)</code>', response.content.decode()).group(1))
    listing = owner_client.get(reverse("console:scim_tokens")).content.decode()
    for raw in raws:
        assert f"idadmin_scim_…{raw[-4:]}" in listing and raw not in listing
