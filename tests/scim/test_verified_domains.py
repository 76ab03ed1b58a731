import json

import pytest

from tenants.models import Domain
from tenants.scoping import org_scope
from tests.factories import OrganizationFactory

from .conftest import scim_client_for, user_body


@pytest.fixture
def strict_org(db):
    """The default policy: provisioned users must use a domain the org verified."""
    org = OrganizationFactory(name="Strict")
    with org_scope(org):
        Domain.objects.create(org=org, name="acme.example", token="t" * 32, status=Domain.Status.VERIFIED)
        Domain.objects.create(org=org, name="pending.example", token="u" * 32, status=Domain.Status.UNVERIFIED)
    return org


@pytest.fixture
def strict_scim(client, strict_org):
    return scim_client_for(client, strict_org)


def test_a_verified_domain_can_be_provisioned(strict_scim):
    assert strict_scim.post("/Users", user_body("ann@acme.example")).status_code == 201


@pytest.mark.parametrize("user_name,emails,blocked", [
    ("ann@acme.example", [{"value": "ann@pending.example", "primary": True}], "pending.example"),
    ("ann@elsewhere.example", [{"value": "ann@acme.example", "primary": True}], "elsewhere.example"),
    ("ann", [{"value": "ann@acme.example", "primary": True}, {"value": "a@Other.Example"}], "other.example"),
])
def test_an_unverified_domain_is_400_naming_the_domain(strict_scim, user_name, emails, blocked):
    response = strict_scim.post("/Users", user_body(user_name, emails=emails))
    body = json.loads(response.content)
    assert response.status_code == 400 and body["scimType"] == "invalidValue" and blocked in body["detail"]


def test_the_rule_applies_to_updates_too(strict_scim):
    user = json.loads(strict_scim.post("/Users", user_body("ann@acme.example")).content)
    response = strict_scim.patch(f"/Users/{user['id']}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "ann@pending.example"}]})
    assert response.status_code == 400 and "pending.example" in json.loads(response.content)["detail"]


def test_another_orgs_verified_domain_does_not_count(client, strict_org, db):
    other = OrganizationFactory(name="Other")
    response = scim_client_for(client, other).post("/Users", user_body("ann@acme.example"))
    assert response.status_code == 400


def test_an_org_with_the_policy_off_provisions_any_domain(client, db):
    org = OrganizationFactory(name="Open", require_verified_domains=False)
    assert scim_client_for(client, org).post("/Users", user_body("ann@anything.example")).status_code == 201
