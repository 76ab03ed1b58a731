"""Staff admin for OAuth apps and SCIM tokens: read-only but for writes through the services, each
audited with the staff actor; no secret is ever shown."""

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from oauthapps import scopes
from oauthapps.credentials import CredentialError
from oauthapps.models import Application, ScimToken
from oauthapps.services import scim_token_create
from tenants.audit import Actor
from tenants.models import AuditEvent
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import UserFactory

from .conftest import principal_for
from .test_oauth_refusals import client_credentials, okta_tokens

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@product.example", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def scim_token(org):
    return scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])


def staff_rows(org, action, staff):
    with org_scope(org):
        rows = list(AuditEvent.objects.filter(action=action))
    assert all((row.actor_kind, row.actor_label) == ("staff", staff.email) for row in rows)
    return rows


def assert_revoked(application, access_token):
    with pytest.raises(CredentialError):
        principal_for(access_token)
    assert not AccessToken.objects.filter(application_id=application.pk).exists()
    assert not RefreshToken.objects.filter(application_id=application.pk, revoked__isnull=True).exists()


def test_staff_admin_lists_apps_and_tokens_without_secrets(staff_client, org, entra_app, scim_token):
    application, secret = entra_app
    token, raw = scim_token
    for url in (
        reverse("admin:oauthapps_application_changelist"),
        reverse("admin:oauthapps_application_change", args=[application.pk]),
        reverse("admin:oauthapps_scimtoken_changelist"),
        reverse("admin:oauthapps_scimtoken_change", args=[token.pk]),
    ):
        page = staff_client.get(url).content.decode()
        assert application.client_id in page or token.public_id in page
        for secret_value in (secret, application.client_secret, raw, token.token_hash):
            assert secret_value not in page


def test_staff_cannot_add_or_edit_an_app(staff_client, entra_app):
    application, _ = entra_app
    assert staff_client.get(reverse("admin:oauthapps_application_add")).status_code == 403
    change = reverse("admin:oauthapps_application_change", args=[application.pk])
    assert staff_client.post(change, {"name": "Renamed"}).status_code == 403


def test_disabling_in_the_admin_revokes_tokens_and_leaves_one_audit_row(staff_client, org, staff, entra_app):
    application, secret = entra_app
    _, body = client_credentials(Client(), application, secret)
    response = staff_client.post(
        reverse("admin:oauthapps_application_changelist"),
        {"action": "disable_and_revoke", "_selected_action": [application.pk]},
    )
    assert response.status_code == 302
    assert_revoked(application, body["access_token"])
    [event] = staff_rows(org, "oauth_app.disabled", staff)
    assert event.object_id == application.client_id
    assert application.client_secret not in str(event.detail)


def test_deleting_an_app_in_the_admin_revokes_its_tokens_and_is_audited(staff_client, org, staff, admin, okta_app):
    application, secret = okta_app
    tokens = okta_tokens(Client(), admin, application, secret)
    response = staff_client.post(reverse("admin:oauthapps_application_delete", args=[application.pk]), {"post": "yes"})
    assert response.status_code == 302
    with org_scope(org):
        assert not Application.objects.exists()
    assert_revoked(application, tokens["access_token"])
    [event] = staff_rows(org, "oauth_app.deleted", staff)
    assert (event.object_id, event.object_repr) == (application.client_id, application.name)


def test_bulk_deleting_apps_in_the_admin_goes_through_the_service(staff_client, org, other_org, staff, entra_app):
    from oauthapps.services import application_create

    application, secret = entra_app
    _, body = client_credentials(Client(), application, secret)
    theirs, _ = application_create(org=other_org, actor=Actor.system(), grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                                   name="Globex", scopes=[scopes.READ])
    response = staff_client.post(
        reverse("admin:oauthapps_application_changelist"),
        {"action": "delete_selected", "_selected_action": [application.pk, theirs.pk], "post": "yes"},
    )
    assert response.status_code == 302
    with all_orgs_scope():
        assert not Application.objects.exists()
    assert_revoked(application, body["access_token"])
    assert len(staff_rows(org, "oauth_app.deleted", staff)) == 1
    assert len(staff_rows(other_org, "oauth_app.deleted", staff)) == 1


def test_a_scim_token_cannot_be_deleted_from_the_admin(staff_client, scim_token):
    token, raw = scim_token
    delete = reverse("admin:oauthapps_scimtoken_delete", args=[token.pk])
    assert staff_client.get(delete).status_code == 403
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = staff_client.get(reverse("admin:oauthapps_scimtoken_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert principal_for(raw).org == token.org


def test_the_revoke_action_revokes_a_scim_token_with_an_audit_row(staff_client, org, staff, scim_token):
    token, raw = scim_token
    response = staff_client.post(
        reverse("admin:oauthapps_scimtoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    with pytest.raises(CredentialError):
        principal_for(raw)
    with org_scope(org):
        assert ScimToken.objects.get().revoked is not None
    [event] = staff_rows(org, "scim_token.revoked", staff)
    assert event.object_id == token.public_id
