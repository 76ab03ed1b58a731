"""Setup guides that check the app they are filled with (issue 16, defect 13)."""

import pytest
from django.urls import reverse

from oauthapps import scopes
from oauthapps.models import Application
from oauthapps.services import application_create
from tenants.audit import Actor

pytestmark = pytest.mark.django_db


def _app(org, owner, grant_type, name, granted, **details):
    app, _ = application_create(org=org, actor=Actor.member(owner), grant_type=grant_type, name=name,
                                scopes=list(granted), **details)
    return app


def test_the_entra_guide_picks_the_newest_app_that_can_provision(owner_client, org, owner):
    able = _app(org, owner, Application.GRANT_CLIENT_CREDENTIALS, "Entra prod", scopes.MANAGED_USERS)
    read_only = _app(org, owner, Application.GRANT_CLIENT_CREDENTIALS, "Entra reader", [scopes.READ])
    body = owner_client.get(reverse("console:guide", args=["entra"])).content.decode()
    assert f'data-testid="guide-client-id">{able.client_id}<' in body
    assert 'data-testid="missing-scopes"' not in body
    chosen = owner_client.get(reverse("console:guide", args=["entra"]), {"app": read_only.client_id}).content.decode()
    assert "Entra reader can't provision: it lacks managed-users/list, managed-users/create, managed-users/update" in chosen


@pytest.mark.parametrize("redirect_url, warned", [
    ("https://acme-admin.okta.com/admin/app/cpc/acme_scim/oauth/callback", False),
    ("https://login.example.com/callback", True),
    ("http://127.0.0.1:8000/callback", True),
])
def test_the_okta_guide_warns_when_the_redirect_url_is_not_oktas(owner_client, org, owner, redirect_url, warned):
    _app(org, owner, Application.GRANT_AUTHORIZATION_CODE, "Okta", scopes.ALL, redirect_url=redirect_url,
         allow_loopback_http=True)
    body = owner_client.get(reverse("console:guide", args=["okta-authorization-code"])).content.decode()
    assert ('data-testid="redirect-warning"' in body) is warned
    assert "must be Okta&#x27;s" not in body
