import pytest
from django.urls import reverse

from oauthapps.services import application_create
from oauthapps import scopes
from tenants.audit import Actor

pytestmark = pytest.mark.django_db


def _guide(client, slug, **query):
    return client.get(reverse("console:guide", args=[slug]), query).content.decode()


def test_the_entra_guide_is_filled_with_the_org_urls_and_client_id(owner_client, entra_app, settings):
    application, secret = entra_app
    page = _guide(owner_client, "entra")
    assert application.client_id in page
    assert settings.PUBLIC_BASE_URL + "/scim/v2" in page
    assert settings.PUBLIC_BASE_URL + reverse("oauth2_provider:token") in page
    for screen in ("Tenant URL", "OAuth token endpoint", "Client identifier", "Test Connection", "Mappings"):
        assert screen in page
    assert secret not in page


def test_the_okta_guides_name_okta_screens(owner_client, okta_app, settings):
    application, _ = okta_app
    oauth = _guide(owner_client, "okta-authorization-code")
    bearer = _guide(owner_client, "okta-bearer-token")
    assert application.client_id in oauth
    assert settings.PUBLIC_BASE_URL + reverse("oauth2_provider:authorize") in oauth
    for page in (oauth, bearer):
        for screen in ("Provisioning", "SCIM connector base URL", "userName", "Push New Users",
                       "Push Profile Updates", "Push Groups", "Test API Credentials"):
            assert screen in page


def test_a_guide_without_a_matching_app_says_to_create_one(owner_client, okta_app):
    page = _guide(owner_client, "entra")
    assert 'id="guide-no-app"' in page
    assert okta_app[0].client_id not in page


def test_a_guide_never_shows_another_orgs_app(owner_client, other_org, entra_app):
    theirs, _ = application_create(org=other_org, actor=Actor.system(), grant_type="client-credentials", name="Globex",
                                   scopes=list(scopes.MANAGED_USERS))
    page = _guide(owner_client, "entra", app=theirs.client_id)
    assert theirs.client_id not in page
    assert entra_app[0].client_id in page


def test_an_unknown_guide_is_404(owner_client):
    assert owner_client.get(reverse("console:guide", args=["onelogin"])).status_code == 404
