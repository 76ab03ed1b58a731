"""The Entra and Okta flows end to end against a live server, with authlib as the OAuth client."""

import pytest
from authlib.integrations.base_client import OAuthError

from oauthapps import scopes

from .conftest import principal_for
from .oauth_flow import TOKEN_PATH, approve, authorization_url, new_code_verifier, oauth_session, okta_session


@pytest.fixture(autouse=True)
def plain_http_for_the_live_server(monkeypatch):
    # The live server speaks http on 127.0.0.1; authlib refuses that unless told.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def token_url(django_db_setup, live_server):
    # django_db_setup first, so the session-wide live server stops before the test database is dropped.
    return live_server.url + TOKEN_PATH



SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def scim_url(token_url, path):
    return token_url.replace(TOKEN_PATH, "/scim/v2") + path


def test_entra_client_credentials_then_scim_calls(token_url, org, other_org, entra_app):
    from scim.models import ScimUser
    from tenants.scoping import org_scope

    with org_scope(other_org):
        stranger = ScimUser.objects.create(org=other_org, user_name="ann")
    application, secret = entra_app
    with oauth_session(application.client_id, secret, token_endpoint_auth_method="client_secret_post") as session:
        token = session.fetch_token(token_url, grant_type="client_credentials")
        created = session.post(scim_url(token_url, "/Users"), json={"schemas": [SCIM_USER], "userName": "ann"})
        assert created.status_code == 201, created.text
        found = session.get(scim_url(token_url, "/Users"), params={"filter": 'userName eq "ann"'}).json()
        assert [user["id"] for user in found["Resources"]] == [created.json()["id"]]
        assert session.get(scim_url(token_url, f"/Users/{stranger.public_id}")).status_code == 404

    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == application.access_token_lifetime
    assert "refresh_token" not in token
    principal = principal_for(token["access_token"])
    assert principal.org == org
    assert principal.scopes == set(scopes.MANAGED_USERS)
    assert principal.actor_user is None
    principal.require(scopes.CREATE)


def test_okta_authorization_code_with_pkce_then_two_refreshes(token_url, client, org, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    verifier = new_code_verifier()
    with okta_session(application, secret) as session:
        url, _ = authorization_url(session, code_verifier=verifier)
        location = approve(client, url)
        assert location.startswith("https://acme.okta.example/oauth2/callback?")
        token = session.fetch_token(token_url, authorization_response=location, code_verifier=verifier)
        first = principal_for(token["access_token"])
        assert (first.org, first.actor_user) == (org, admin)
        assert first.scopes == {scopes.READ, scopes.LIST, scopes.OFFLINE_ACCESS}

        refreshed_once = session.refresh_token(token_url, refresh_token=token["refresh_token"])
        refreshed_twice = session.refresh_token(token_url, refresh_token=refreshed_once["refresh_token"])
        listed = session.get(scim_url(token_url, "/Users"), params={"startIndex": 1, "count": 2})
        assert listed.status_code == 200 and listed.json()["totalResults"] == 0
        # Approved for read and list only: creating is a SCIM 403.
        refused = session.post(scim_url(token_url, "/Users"), json={"schemas": [SCIM_USER], "userName": "bob"})
        assert refused.status_code == 403 and refused.json()["status"] == "403"
    assert len({token["refresh_token"], refreshed_once["refresh_token"], refreshed_twice["refresh_token"]}) == 3
    principal = principal_for(refreshed_twice["access_token"])
    assert principal.org == org
    principal.require(scopes.LIST)


def test_a_wrong_secret_is_refused_per_rfc_6749(token_url, entra_app):
    application, _ = entra_app
    with oauth_session(application.client_id, "wrong-secret") as session, pytest.raises(OAuthError) as refused:
        session.fetch_token(token_url, grant_type="client_credentials")
    assert refused.value.error == "invalid_client"
