"""The console's OAuth apps wizard and detail page, and SCIM tokens."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse

from oauthapps import scopes
from oauthapps.models import Application, ScimToken
from oauthapps.services import scim_token_create
from tenants.audit import Actor
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import UserFactory, add_member

from .conftest import OKTA_CALLBACK, principal_for, scim_token_form
from .test_oauth_refusals import client_credentials, okta_tokens


def create_through_wizard(browser, grant_type, details, chosen_scopes):
    assert browser.post(reverse("console:oauth_app_new"), {"grant_type": grant_type}).status_code == 302
    assert browser.post(reverse("console:oauth_app_new_details"), details).status_code == 302
    return browser.post(reverse("console:oauth_app_new_scopes"), {"scopes": chosen_scopes})


def shown(response, element_id):
    return re.search(rf'<code id="{element_id}">([^<]+)</code>', response.content.decode()).group(1)


def test_the_wizard_creates_an_entra_app_and_shows_its_secret_once(owner_client, org, client, settings):
    response = create_through_wizard(
        owner_client, Application.GRANT_CLIENT_CREDENTIALS,
        {"name": "Entra ID", "description": "Provisioning", "access_token_lifetime": 1800}, list(scopes.MANAGED_USERS),
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    client_id, secret = shown(response, "client-id"), shown(response, "client-secret")
    assert shown(response, "token-url") == settings.PUBLIC_BASE_URL + "/oauth/v2/token"
    assert shown(response, "scim-base-url") == settings.PUBLIC_BASE_URL + "/scim/v2"
    assert 'id="finish" disabled' in response.content.decode()
    with org_scope(org):
        application = Application.objects.get(client_id=client_id)
    assert secret not in application.client_secret and check_password(secret, application.client_secret)
    assert application.access_token_lifetime == 1800
    assert client_credentials(client, application, secret)[0].status_code == 200

    reload = owner_client.post(reverse("console:oauth_app_new_scopes"), {"scopes": list(scopes.MANAGED_USERS)})
    assert secret not in reload.content.decode()
    assert "The secret was shown once; rotate it to get a new one" in reload.content.decode()
    detail = owner_client.get(reverse("console:oauth_app_detail", args=[client_id]) + "?tab=credentials")
    assert secret not in detail.content.decode()


def test_the_wizard_for_okta_needs_an_https_redirect_url(owner_client, org):
    owner_client.post(reverse("console:oauth_app_new"), {"grant_type": Application.GRANT_AUTHORIZATION_CODE})
    refused = owner_client.post(
        reverse("console:oauth_app_new_details"),
        {"name": "Okta", "company_name": "Acme", "redirect_url": "http://okta.example/callback",
         "access_token_lifetime": 3600},
    )
    assert refused.status_code == 200 and "https" in refused.content.decode()
    response = create_through_wizard(
        owner_client, Application.GRANT_AUTHORIZATION_CODE,
        {"name": "Okta", "company_name": "Acme", "redirect_url": OKTA_CALLBACK, "access_token_lifetime": 3600},
        [scopes.READ, scopes.OFFLINE_ACCESS],
    )
    assert shown(response, "authorize-url").endswith("/oauth/v2/authorize")
    with org_scope(org):
        application = Application.objects.get()
    assert application.redirect_uris == OKTA_CALLBACK
    assert application.allowed_scopes == [scopes.READ, scopes.OFFLINE_ACCESS]


def test_client_credentials_apps_cannot_have_offline_access(owner_client, org):
    response = create_through_wizard(
        owner_client, Application.GRANT_CLIENT_CREDENTIALS, {"name": "Entra", "access_token_lifetime": 3600},
        [scopes.READ, scopes.OFFLINE_ACCESS],
    )
    assert response.status_code == 200
    with org_scope(org):
        assert not Application.objects.exists()


def test_rotating_shows_a_new_secret_and_keeps_the_old_one_for_the_grace(owner_client, client, entra_app):
    application, old_secret = entra_app
    detail = owner_client.get(reverse("console:oauth_app_detail", args=[application.client_id]) + "?tab=credentials")
    form = {"grace_days": 3, "rotation": detail.context["rotate_form"].initial["rotation"]}
    response = owner_client.post(reverse("console:oauth_app_rotate", args=[application.client_id]), form)
    new_secret = shown(response, "client-secret")
    assert new_secret != old_secret
    assert client_credentials(client, application, old_secret)[0].status_code == 200
    assert client_credentials(client, application, new_secret)[0].status_code == 200

    reload = owner_client.post(reverse("console:oauth_app_rotate", args=[application.client_id]), form)
    assert "The secret was shown once" in reload.content.decode()
    assert client_credentials(client, application, old_secret)[0].status_code == 200
    assert client_credentials(client, application, new_secret)[0].status_code == 200


def test_editing_scopes_narrows_live_tokens(owner_client, client, entra_app):
    application, secret = entra_app
    _, body = client_credentials(client, application, secret)
    owner_client.post(reverse("console:oauth_app_scopes", args=[application.client_id]), {"scopes": [scopes.READ]})
    assert principal_for(body["access_token"]).scopes == {scopes.READ}


def test_disabling_and_deleting_revoke_tokens(owner_client, client, org, entra_app):
    application, secret = entra_app
    _, body = client_credentials(client, application, secret)
    owner_client.post(reverse("console:oauth_app_status", args=[application.client_id]), {"status": "disabled"})
    with pytest.raises(Exception):
        principal_for(body["access_token"])
    owner_client.post(reverse("console:oauth_app_status", args=[application.client_id]), {"status": "active"})
    _, body = client_credentials(client, application, secret)
    owner_client.post(reverse("console:oauth_app_delete", args=[application.client_id]))
    with org_scope(org):
        assert not Application.objects.exists()
    with pytest.raises(Exception):
        principal_for(body["access_token"])


def test_the_app_page_warns_which_admins_tokens_act_for(client, org, owner, admin, okta_app):
    application, secret = okta_app
    okta_tokens(Client(), admin, application, secret)
    owner_client = client
    owner_client.force_login(owner)
    page = owner_client.get(reverse("console:oauth_app_detail", args=[application.client_id])).content.decode()
    assert f'data-approver="{admin.email}"' in page and "stop working" in page
    with org_scope(org):
        Membership.objects.filter(user=admin).update(role=Membership.Role.MEMBER)
    page = owner_client.get(reverse("console:oauth_app_detail", args=[application.client_id])).content.decode()
    assert "no longer work" in page


def test_another_orgs_app_is_not_found(owner_client, other_org):
    from oauthapps.services import application_create

    foreign, _ = application_create(org=other_org, actor=Actor.system(), grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                                    name="Globex", scopes=[scopes.READ])
    assert owner_client.get(reverse("console:oauth_app_detail", args=[foreign.client_id])).status_code == 404
    assert owner_client.post(reverse("console:oauth_app_delete", args=[foreign.client_id])).status_code == 404


def test_members_cannot_reach_the_oauth_pages(client, org):
    member = UserFactory()
    add_member(org, member, Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get(reverse("console:oauth_apps")).status_code == 403
    assert client.get(reverse("console:scim_tokens")).status_code == 403


def test_a_scim_token_is_shown_once_and_listed_without_its_secret(owner_client, org):
    response = owner_client.post(reverse("console:scim_token_new"), scim_token_form(
        owner_client, name="Okta header", scopes=[scopes.READ]))
    raw = shown(response, "scim-token")
    assert "no-store" in response["Cache-Control"]
    assert principal_for(raw).org == org
    listing = owner_client.get(reverse("console:scim_tokens")).content.decode()
    assert "Okta header" in listing and raw not in listing


def test_at_most_two_active_scim_tokens_per_org(owner_client, org):
    for name in ("first", "second"):
        scim_token_create(org=org, actor=Actor.system(), name=name, scopes=[scopes.READ])
    response = owner_client.post(reverse("console:scim_token_new"), scim_token_form(
        owner_client, name="third", scopes=[scopes.READ]))
    assert response.status_code == 400
    assert "at most two" in response.content.decode()


def test_a_scim_token_expiring_in_under_15_minutes_is_refused(owner_client):
    response = owner_client.post(reverse("console:scim_token_new"), scim_token_form(
        owner_client, name="short", scopes=[scopes.READ], expires="2000-01-01T00:00"))
    assert response.status_code == 400


def test_revoking_a_scim_token_ends_it(owner_client, org):
    token, raw = scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])
    owner_client.post(reverse("console:scim_token_revoke", args=[token.public_id]))
    with pytest.raises(Exception):
        principal_for(raw)


def test_last_used_is_recorded_at_most_once_a_minute(org, django_assert_num_queries):
    token, raw = scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])
    principal_for(raw)
    with org_scope(org):
        first = ScimToken.objects.get().last_used
    assert first is not None
    with django_assert_num_queries(1):
        principal_for(raw)
    with org_scope(org):
        assert ScimToken.objects.get().last_used == first


def test_another_orgs_scim_token_cannot_be_revoked(owner_client, other_org):
    token, raw = scim_token_create(org=other_org, actor=Actor.system(), name="Globex", scopes=[scopes.READ])
    assert owner_client.post(reverse("console:scim_token_revoke", args=[token.public_id])).status_code == 404
    assert principal_for(raw).org == other_org
