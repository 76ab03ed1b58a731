"""The provisioning log explains (issue 16, defect 16): each row's error detail, the IdP recognised from
the request, a plain-words hint, failures highlighted, users by name, 401s of a revoked token, one date format."""

import re
from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from oauthapps.models import ScimToken
from oauthapps.services import scim_token_revoke
from tenants.audit import Actor
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import OrganizationFactory, UserFactory, add_member

from .conftest import ScimClient, body_of, scim_client_for, user_body

pytestmark = pytest.mark.django_db

OKTA = {"User-Agent": "Okta SCIM Client 1.0.0"}


@pytest.fixture
def strict_org():
    return OrganizationFactory(name="Strict", require_verified_domains=True)


@pytest.fixture
def console(strict_org):
    owner = UserFactory()
    add_member(strict_org, owner, Membership.Role.OWNER)
    browser = Client()
    browser.force_login(owner)
    return browser


def log_page(console, **filters) -> str:
    return console.get(reverse("console:provisioning_log"), filters).content.decode()


def test_a_refused_user_shows_why_which_idp_and_what_to_do(client, strict_org, console):
    scim = scim_client_for(client, strict_org)
    assert scim.post("/Users", user_body("ann@unverified.example"), headers=OKTA).status_code == 400
    page = log_page(console)
    assert "is not verified by this organization" in page  # the detail the IdP was told
    assert "Okta pushed a user whose domain is not verified: verify unverified.example under Domains" in page
    assert 'class="console-failed"' in page and ">Okta<" in page
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC", page)
    assert ">Okta<" in log_page(console, idp="okta") and "unverified.example" not in log_page(console, idp="entra")


def test_entras_string_active_is_explained_and_the_user_named(client, scim_org):
    owner = UserFactory()
    add_member(scim_org, owner, Membership.Role.OWNER)
    console = Client()
    console.force_login(owner)
    scim = scim_client_for(client, scim_org, name="Entra")
    user_id = body_of(scim.post("/Users", user_body("bob@example.com", displayName="Bob Jones")))["id"]
    response = scim.patch(f"/Users/{user_id}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
    assert response.status_code == 200
    page = log_page(console)
    assert escape('Microsoft Entra ID sent active as the string "False": accepted as false.') in page
    assert f'<a href="{reverse("console:scim_user", args=[user_id])}">Bob Jones</a>' in page
    only_bob = log_page(console, user=user_id)
    assert "Only requests about user <strong>Bob Jones</strong>" in only_bob


def test_a_revoked_tokens_401s_are_in_the_orgs_log(client, strict_org, console):
    scim = scim_client_for(client, strict_org, name="Old Okta token")
    with org_scope(strict_org):
        token = ScimToken.objects.get(name="Old Okta token")
    scim_token_revoke(org=strict_org, actor=Actor.system(), token=token)
    assert scim.get("/Users", headers=OKTA).status_code == 401
    assert ScimClient(client, "idadmin_scim_made-up").get("/Users").status_code == 401
    page = log_page(console)
    assert "Old Okta token (revoked or expired)" in page and 'data-status="401"' in page
    assert "sent a credential that is revoked, expired or mistyped" in page
    assert page.count('data-status="401"') == 1  # a made-up token names no org
