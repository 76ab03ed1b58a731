"""Every public service and selector of the tenants app is bound to the org it is given
(tests/org_binding.py explains the checks)."""

import pytest

from tenants import audit, selectors
from tenants.audit import Actor
from tests import org_binding
from tests.factories import UserFactory, add_member

MODULES = [audit, selectors]
# Functions that span orgs on purpose, with the reason.
CROSS_ORG = {
    "tenants.selectors.memberships_of_user": "the signed-in person's own memberships, for the org picker",
    "tenants.selectors.console_membership": "the signed-in person's own membership in the org they chose",
    "tenants.selectors.domains_due_for_reverification": "the hourly re-check job fans out over every org",
}


@pytest.fixture
def world(org, other_org):
    """Two orgs that share a person and hold the same kinds of rows."""
    shared = UserFactory(email="shared@example.com")
    for each in (org, other_org):
        add_member(each, shared, "owner")
        audit.record(org=each, actor=Actor.member(shared), action="organization.settings_changed", obj=each)
    return {"a": org, "b": other_org, "shared": shared}


CALLS = {
    "tenants.audit.record": lambda w: audit.record(
        org=w["a"], actor=Actor.member(w["shared"]), action="member.invited", obj=w["a"]),
    "tenants.selectors.audit_events": lambda w: selectors.audit_events(org=w["a"]),
}


def test_every_public_function_is_bound_to_its_org():
    assert org_binding.unbound_functions(MODULES, CROSS_ORG) == []
    assert org_binding.uncovered_functions(MODULES, CROSS_ORG, CALLS) == []


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_reaches_no_other_org(world, name):
    org_binding.check_call_stays_in_its_org(lambda: CALLS[name](world), world["a"], world["b"])
