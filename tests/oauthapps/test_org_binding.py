"""Every public service and selector of the oauthapps app is bound to the org it is given
(tests/org_binding.py explains the checks)."""

import pytest

from oauthapps import scopes, selectors, services
from oauthapps.models import Application
from tenants.audit import Actor
from tenants.errors import NotFound
from tenants.models import Membership
from tenants.scoping import TenantScopeError
from tests import org_binding
from tests.factories import UserFactory, add_member

from .conftest import OKTA_CALLBACK, issue_live_tokens

MODULES = [services, selectors]
# Functions that span orgs on purpose, with the reason.
CROSS_ORG = {
    "oauthapps.selectors.application_for_client_id": "the OAuth endpoints resolve a client id to its org before any "
                                                     "org is known",
    "oauthapps.services.secret_generation": "a digest of the row it is given: it reads and writes nothing",
}


@pytest.fixture
def world(org, other_org):
    """Two orgs that share an admin and hold the same kinds of rows: an auth-code app and a
    client-credentials app with live tokens each, and a SCIM token."""
    shared = UserFactory(email="shared@example.com")
    world = {"shared": shared, "actor": Actor.member(shared)}
    for key, each in (("a", org), ("b", other_org)):
        add_member(each, shared, Membership.Role.ADMIN)
        okta, _ = services.application_create(
            org=each, actor=world["actor"], grant_type=Application.GRANT_AUTHORIZATION_CODE, name="Okta",
            company_name=each.name, redirect_url=OKTA_CALLBACK, scopes=[*scopes.MANAGED_USERS, scopes.OFFLINE_ACCESS],
        )
        entra, _ = services.application_create(
            org=each, actor=world["actor"], grant_type=Application.GRANT_CLIENT_CREDENTIALS, name="Entra",
            scopes=list(scopes.MANAGED_USERS),
        )
        for application in (okta, entra):
            issue_live_tokens(application, shared)
        token, _ = services.scim_token_create(org=each, actor=world["actor"], name="Okta header", scopes=[scopes.READ])
        api_key, _ = services.api_key_create(org=each, actor=world["actor"], name="CI", access="read_write",
                                             role="admin")
        world.update({key: each, f"{key}_okta": okta, f"{key}_entra": entra, f"{key}_token": token,
                      f"{key}_api_key": api_key})
    return world


def _for_a(w):
    return {"org": w["a"], "actor": w["actor"]}


CALLS = {
    "oauthapps.services.scim_token_create": lambda w: services.scim_token_create(
        **_for_a(w), name="Second", scopes=[scopes.LIST]),
    "oauthapps.services.scim_token_generation": lambda w: services.scim_token_generation(org=w["a"]),
    "oauthapps.services.scim_token_revoke": lambda w: services.scim_token_revoke(**_for_a(w), token=w["a_token"]),
    "oauthapps.services.scim_token_touch": lambda w: services.scim_token_touch(org=w["a"], token=w["a_token"]),
    "oauthapps.services.api_key_generation": lambda w: services.api_key_generation(org=w["a"]),
    "oauthapps.services.api_key_create": lambda w: services.api_key_create(
        **_for_a(w), name="Second", access="read", role="admin"),
    "oauthapps.services.api_key_revoke": lambda w: services.api_key_revoke(**_for_a(w), key=w["a_api_key"]),
    "oauthapps.services.api_key_touch": lambda w: services.api_key_touch(org=w["a"], key=w["a_api_key"]),
    "oauthapps.services.application_update": lambda w: services.application_update(
        **_for_a(w), application=w["a_okta"], name="Okta 2", redirect_urls=["https://a.example/cb"]),
    "oauthapps.services.application_create": lambda w: services.application_create(
        **_for_a(w), grant_type=Application.GRANT_CLIENT_CREDENTIALS, name="Entra 2", scopes=[scopes.READ]),
    "oauthapps.services.application_update_scopes": lambda w: services.application_update_scopes(
        **_for_a(w), application=w["a_okta"], scopes=[scopes.READ]),
    "oauthapps.services.connection_test_token_create": lambda w: services.connection_test_token_create(**_for_a(w)),
    "oauthapps.services.application_update_details": lambda w: services.application_update_details(
        **_for_a(w), application=w["a_okta"], name="Renamed", access_token_lifetime=600,
        redirect_url=w["a_okta"].redirect_uris),
    "oauthapps.services.application_rotate_secret": lambda w: services.application_rotate_secret(
        **_for_a(w), application=w["a_entra"], grace_days=0),
    "oauthapps.services.application_disable": lambda w: services.application_disable(
        **_for_a(w), application=w["a_okta"]),
    "oauthapps.services.application_enable": lambda w: services.application_enable(
        **_for_a(w), application=w["a_okta"]),
    "oauthapps.services.application_delete": lambda w: services.application_delete(
        **_for_a(w), application=w["a_okta"]),
    "oauthapps.services.application_record_consent": lambda w: services.application_record_consent(
        **_for_a(w), application=w["a_okta"], scopes=[scopes.READ]),
    "oauthapps.selectors.org_applications": lambda w: selectors.org_applications(org=w["a"]),
    "oauthapps.selectors.application_by_client_id": lambda w: selectors.application_by_client_id(
        org=w["a"], client_id=w["a_okta"].client_id),
    "oauthapps.selectors.org_active_scim_tokens": lambda w: selectors.org_active_scim_tokens(org=w["a"]),
    "oauthapps.selectors.scim_token_by_public_id": lambda w: selectors.scim_token_by_public_id(
        org=w["a"], public_id=w["a_token"].public_id),
    "oauthapps.selectors.application_approvers": lambda w: selectors.application_approvers(
        org=w["a"], application=w["a_okta"]),
    "oauthapps.selectors.org_active_api_keys": lambda w: selectors.org_active_api_keys(org=w["a"]),
    "oauthapps.selectors.api_key_by_public_id": lambda w: selectors.api_key_by_public_id(
        org=w["a"], public_id=w["a_api_key"].public_id),
    "oauthapps.selectors.api_key_acting_role": lambda w: selectors.api_key_acting_role(
        org=w["a"], key=w["a_api_key"]),
}


test_every_public_function_is_bound_to_its_org, test_call_reaches_no_other_org = org_binding.binding_tests(
    MODULES, CROSS_ORG, CALLS)


# Each service given another org's row, for org A: answered as a missing row, nothing touched.
FOREIGN_ROWS = {
    "scim_token_revoke": lambda w: services.scim_token_revoke(**_for_a(w), token=w["b_token"]),
    "application_update_scopes": lambda w: services.application_update_scopes(
        **_for_a(w), application=w["b_okta"], scopes=[scopes.READ]),
    "application_update_details": lambda w: services.application_update_details(
        **_for_a(w), application=w["b_okta"], name="Renamed", access_token_lifetime=600,
        redirect_url=w["b_okta"].redirect_uris),
    "application_rotate_secret": lambda w: services.application_rotate_secret(
        **_for_a(w), application=w["b_entra"], grace_days=0),
    "application_disable": lambda w: services.application_disable(**_for_a(w), application=w["b_okta"]),
    "application_delete": lambda w: services.application_delete(**_for_a(w), application=w["b_okta"]),
    "application_approvers": lambda w: selectors.application_approvers(org=w["a"], application=w["b_okta"]),
    "application_by_client_id": lambda w: selectors.application_by_client_id(
        org=w["a"], client_id=w["b_okta"].client_id),
    "scim_token_by_public_id": lambda w: selectors.scim_token_by_public_id(
        org=w["a"], public_id=w["b_token"].public_id),
    "api_key_revoke": lambda w: services.api_key_revoke(**_for_a(w), key=w["b_api_key"]),
    "api_key_by_public_id": lambda w: selectors.api_key_by_public_id(org=w["a"], public_id=w["b_api_key"].public_id),
    "api_key_acting_role": lambda w: selectors.api_key_acting_role(org=w["a"], key=w["b_api_key"]),
    "application_update": lambda w: services.application_update(**_for_a(w), application=w["b_okta"], name="X"),
}


@pytest.mark.parametrize("name", sorted(FOREIGN_ROWS))
def test_another_orgs_row_is_not_found(world, name):
    before = org_binding.snapshot(world["b"])
    with pytest.raises(NotFound):
        FOREIGN_ROWS[name](world)
    assert org_binding.snapshot(world["b"]) == before


def test_disable_no_longer_accepts_a_missing_org(world):
    with pytest.raises(TenantScopeError):
        services.application_disable(org=None, actor=world["actor"], application=world["a_okta"])
