"""Every console action on OAuth apps and SCIM tokens, and every consent, leaves one audit row naming
the member who did it, from which address, and no secret."""

import pytest
from django.test import Client
from django.urls import reverse

from oauthapps import scopes
from oauthapps.models import Application, ScimToken
from tenants.models import AuditEvent
from tenants.scoping import org_scope

from .conftest import scim_token_form
from .oauth_flow import approve, authorization_url, new_code_verifier, okta_session
from .test_console import create_through_wizard, shown


def audit_rows(org, action):
    with org_scope(org):
        return list(AuditEvent.objects.filter(action=action))


def the_row(org, action, by):
    rows = audit_rows(org, action)
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row.actor_kind, row.actor_label, row.actor_user_id) == ("member", by.email, by.pk)
    assert row.actor_address == "127.0.0.1"
    return row


def test_creating_an_app_in_the_wizard_is_recorded(owner_client, org, owner):
    response = create_through_wizard(
        owner_client, Application.GRANT_CLIENT_CREDENTIALS, {"name": "Entra ID", "access_token_lifetime": 3600},
        [scopes.READ, scopes.LIST],
    )
    client_id, secret = shown(response, "client-id"), shown(response, "client-secret")
    row = the_row(org, "oauth_app.created", owner)
    assert (row.object_id, row.object_repr) == (client_id, "Entra ID")
    assert row.detail == {"grant_type": Application.GRANT_CLIENT_CREDENTIALS,
                          "scopes": sorted([scopes.READ, scopes.LIST])}
    assert secret not in str(row.detail)


def test_changing_scopes_is_recorded_from_and_to(owner_client, org, owner, entra_app):
    application, _ = entra_app
    owner_client.post(reverse("console:oauth_app_scopes", args=[application.client_id]), {"scopes": [scopes.READ]})
    row = the_row(org, "oauth_app.scopes_changed", owner)
    assert row.object_id == application.client_id
    assert row.detail == {"from": sorted(scopes.MANAGED_USERS), "to": [scopes.READ]}


def test_saving_the_same_scopes_records_nothing(owner_client, org, entra_app):
    application, _ = entra_app
    owner_client.post(reverse("console:oauth_app_scopes", args=[application.client_id]),
                      {"scopes": list(scopes.MANAGED_USERS)})
    assert audit_rows(org, "oauth_app.scopes_changed") == []


def test_rotating_is_recorded_with_the_grace_and_no_secret(owner_client, org, owner, entra_app):
    application, old_secret = entra_app
    detail = owner_client.get(reverse("console:oauth_app_detail", args=[application.client_id]))
    form = {"grace_days": 3, "rotation": detail.context["rotate_form"].initial["rotation"]}
    response = owner_client.post(reverse("console:oauth_app_rotate", args=[application.client_id]), form)
    row = the_row(org, "oauth_app.secret_rotated", owner)
    assert row.detail == {"grace_days": 3}
    with org_scope(org):
        stored = Application.objects.get(pk=application.pk)
    for secret in (old_secret, shown(response, "client-secret"), stored.client_secret, stored.previous_client_secret):
        assert secret not in str(row.detail) and secret not in row.object_repr


def test_disabling_enabling_and_deleting_are_recorded(owner_client, org, owner, entra_app):
    application, _ = entra_app
    status_url = reverse("console:oauth_app_status", args=[application.client_id])
    owner_client.post(status_url, {"status": "disabled"})
    owner_client.post(status_url, {"status": "active"})
    owner_client.post(reverse("console:oauth_app_delete", args=[application.client_id]))
    for action in ("oauth_app.disabled", "oauth_app.enabled", "oauth_app.deleted"):
        assert the_row(org, action, owner).object_id == application.client_id


def test_creating_and_revoking_a_scim_token_are_recorded(owner_client, org, owner):
    response = owner_client.post(reverse("console:scim_token_new"), scim_token_form(
        owner_client, name="Okta header", scopes=[scopes.READ]))
    raw = shown(response, "scim-token")
    with org_scope(org):
        token = ScimToken.objects.get()
    created = the_row(org, "scim_token.created", owner)
    assert (created.object_id, created.detail) == (token.public_id, {"scopes": [scopes.READ], "expires": None})
    assert raw not in str(created.detail) and token.token_hash not in str(created.detail)
    owner_client.post(reverse("console:scim_token_revoke", args=[token.public_id]))
    assert the_row(org, "scim_token.revoked", owner).object_id == token.public_id


@pytest.mark.parametrize("allow", [True, False])
def test_consent_is_recorded_when_an_admin_approves(client, org, admin, okta_app, allow):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret, scope="managed-users/read offline_access"),
                               code_verifier=new_code_verifier())
    approve(client, url, allow=allow)
    if not allow:
        assert audit_rows(org, "oauth_app.consent_given") == []
        return
    row = the_row(org, "oauth_app.consent_given", admin)
    assert row.object_id == application.client_id
    assert row.detail == {"scopes": [scopes.READ, scopes.OFFLINE_ACCESS]}


def test_opening_the_consent_page_records_nothing(client, org, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    assert Client().get(url.removeprefix("http://testserver")).status_code == 302  # anonymous: to sign-in
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
    assert audit_rows(org, "oauth_app.consent_given") == []
