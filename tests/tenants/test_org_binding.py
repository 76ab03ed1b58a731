"""Every public service and selector of the tenants app is bound to the org it is given
(tests/org_binding.py explains the checks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenants import audit, invitations, selectors, services
from tenants.audit import Actor
from tenants.domain_checks import dns_record_name, dns_record_value
from tenants.scoping import org_scope
from tests import org_binding
from tests.factories import UserFactory, add_member

MODULES = [audit, invitations, selectors, services]
# Functions that span orgs (or touch no org's rows) on purpose, with the reason.
CROSS_ORG = {
    "tenants.audit.register_actions": "declares the words of audit actions; touches no org's rows",
    "tenants.audit.action_words": "reads the words of an audit action; touches no org's rows",
    "tenants.selectors.memberships_of_user": "the signed-in person's own memberships, for the org picker",
    "tenants.selectors.open_invitations_of_user": "the signed-in person's own invitations, before any org is chosen",
    "tenants.selectors.invitation_for_token": "the e-mailed link's token is the credential that names the org",
    "tenants.invitations.invitation_token": "derives a link's token from its row; touches no org's rows",
    "tenants.invitations.hash_invitation_token": "hashes a token; touches no org's rows",
    "tenants.selectors.orgs_only_owned_by": "one person's own memberships, checked before staff delete the account",
    "tenants.selectors.console_membership": "the signed-in person's own membership in the org they chose",
    "tenants.selectors.domains_due_for_reverification": "the hourly re-check job fans out over every org",
    "tenants.services.organization_create": "creates the org: there is no org to bind to before it exists",
    "tenants.services.domain_claim_due_reverifications": "the hourly re-check job claims due domains of every org",
}


@pytest.fixture
def world(org, other_org, dns_zone, settings):
    """Two orgs that share a person (owner in both), each with an owner, an admin, a member, an
    unverified and a verified domain (published in the test DNS), and audit rows."""
    settings.DEBUG = True  # domain_mark_verified_for_demo is a DEBUG-only shortcut
    shared = UserFactory(email="shared@example.com", password=None)  # no password: no slow hashing
    guest = UserFactory(email="guest@example.com", password=None)  # invited to both orgs
    people = {}
    for key, each in (("a", org), ("b", other_org)):
        add_member(each, shared, "owner")
        people[key] = {role: add_member(each, UserFactory(password=None), role) for role in ("owner", "admin", "member")}
        services.domain_add(org=each, actor=Actor.member(shared), name=f"pending.{key}.example")
        verified = services.domain_add(org=each, actor=Actor.member(shared), name=f"verified.{key}.example")
        dns_zone[dns_record_name(verified.name)] = {"TXT": [dns_record_value(verified.token)]}
        people[key]["verified"] = services.domain_verify(
            org=each, actor=Actor.member(shared), domain=verified, method="dns")
        with org_scope(each):
            people[key]["pending"] = selectors.org_domains(org=each).get(name=f"pending.{key}.example")
        audit.record(org=each, actor=Actor.member(shared), action="organization.settings_changed", obj=each)
        people[key]["invitation"] = invitations.invitation_create(
            org=each, actor=Actor.member(shared), email=guest.email, role="admin")
    return {"a": org, "b": other_org, "shared": shared, "actor": Actor.member(shared), "system": Actor.system(),
            "guest": Actor.member(guest), **people["a"]}


CALLS = {
    "tenants.audit.record": lambda w: audit.record(
        org=w["a"], actor=w["actor"], action="member.invited", obj=w["a"]),
    # Selectors
    "tenants.selectors.org_members": lambda w: selectors.org_members(org=w["a"]),
    "tenants.selectors.org_administrators": lambda w: selectors.org_administrators(org=w["a"]),
    "tenants.selectors.org_owner_emails": lambda w: selectors.org_owner_emails(org=w["a"]),
    "tenants.selectors.membership_by_public_id": lambda w: selectors.membership_by_public_id(
        org=w["a"], public_id=w["member"].public_id),
    "tenants.selectors.membership_by_pk": lambda w: selectors.membership_by_pk(org=w["a"], pk=w["member"].pk),
    "tenants.selectors.org_domains": lambda w: selectors.org_domains(org=w["a"]),
    "tenants.selectors.domain_by_public_id": lambda w: selectors.domain_by_public_id(
        org=w["a"], public_id=w["pending"].public_id),
    "tenants.selectors.domain_by_pk": lambda w: selectors.domain_by_pk(org=w["a"], pk=w["pending"].pk),
    "tenants.selectors.domains_blocking_provisioning": lambda w: selectors.domains_blocking_provisioning(
        org=w["a"], domains=["verified.a.example", "verified.b.example"]),
    "tenants.selectors.audit_events": lambda w: selectors.audit_events(org=w["a"]),
    "tenants.selectors.audit_actors": lambda w: selectors.audit_actors(org=w["a"]),
    "tenants.selectors.audit_log_page": lambda w: selectors.audit_log_page(org=w["a"], size=2),
    "tenants.selectors.org_pending_invitations": lambda w: selectors.org_pending_invitations(org=w["a"]),
    "tenants.selectors.invitation_by_public_id": lambda w: selectors.invitation_by_public_id(
        org=w["a"], public_id=w["invitation"].public_id),
    "tenants.selectors.invitation_by_pk": lambda w: selectors.invitation_by_pk(org=w["a"], pk=w["invitation"].pk),
    # Services
    "tenants.services.lock_org": lambda w: services.lock_org(org=w["a"]),
    "tenants.invitations.invitation_create": lambda w: invitations.invitation_create(
        org=w["a"], actor=w["actor"], email="new@example.com", role="admin"),
    "tenants.invitations.invitation_resend": lambda w: invitations.invitation_resend(
        org=w["a"], actor=w["actor"], invitation=w["invitation"]),
    "tenants.invitations.invitation_revoke": lambda w: invitations.invitation_revoke(
        org=w["a"], actor=w["actor"], invitation=w["invitation"]),
    "tenants.invitations.invitation_accept": lambda w: invitations.invitation_accept(
        org=w["a"], actor=w["guest"], invitation=w["invitation"]),
    "tenants.invitations.invitation_decline": lambda w: invitations.invitation_decline(
        org=w["a"], actor=w["guest"], invitation=w["invitation"]),
    "tenants.invitations.invitation_accept_with_new_password": lambda w: invitations.invitation_accept_with_new_password(
        org=w["a"], invitation=w["invitation"], password="a-long-enough-passphrase-42"),
    "tenants.services.membership_change_role": lambda w: services.membership_change_role(
        org=w["a"], actor=w["actor"], membership=w["member"], role="admin"),
    "tenants.services.membership_remove_refusal": lambda w: services.membership_remove_refusal(
        org=w["a"], actor=w["actor"], membership=w["member"]),
    "tenants.services.membership_remove": lambda w: services.membership_remove(
        org=w["a"], actor=w["actor"], membership=w["member"]),
    "tenants.services.organization_update_policy": lambda w: services.organization_update_policy(
        org=w["a"], actor=w["actor"], name="Renamed", require_verified_domains=False),
    "tenants.services.domain_validate_addition": lambda w: services.domain_validate_addition(
        org=w["a"], actor=w["actor"], name="new.example"),
    "tenants.services.domain_add": lambda w: services.domain_add(org=w["a"], actor=w["actor"], name="new.example"),
    "tenants.services.domain_remove": lambda w: services.domain_remove(
        org=w["a"], actor=w["actor"], domain=w["verified"]),
    "tenants.services.domain_verify": lambda w: services.domain_verify(
        org=w["a"], actor=w["actor"], domain=w["verified"], method="dns"),
    "tenants.services.domain_reverify": lambda w: services.domain_reverify(
        org=w["a"], actor=w["system"], domain_id=w["verified"].pk, now=timezone.now() + timedelta(days=1)),
    "tenants.services.domain_request_reverification": lambda w: services.domain_request_reverification(
        org=w["a"], actor=w["actor"], domain=w["verified"]),
    "tenants.services.domain_mark_verified_for_demo": lambda w: services.domain_mark_verified_for_demo(
        org=w["a"], actor=w["system"], name="pending.a.example"),
}


test_every_public_function_is_bound_to_its_org, test_call_reaches_no_other_org = org_binding.binding_tests(
    MODULES, CROSS_ORG, CALLS)


@pytest.mark.parametrize("name", ["tenants.services.membership_change_role", "tenants.services.domain_remove",
                                  "tenants.services.domain_verify", "tenants.services.domain_request_reverification"])
def test_another_orgs_row_is_not_found_even_for_the_shared_owner(world, name):
    """The person who owns both orgs still can't reach B's rows through a call for A."""
    from tenants.errors import NotFound

    b_member = selectors.org_members(org=world["b"]).get(role="member")
    b_domain = selectors.org_domains(org=world["b"]).get(name="verified.b.example")
    calls = {
        "tenants.services.membership_change_role": lambda: services.membership_change_role(
            org=world["a"], actor=world["actor"], membership=b_member, role="admin"),
        "tenants.services.domain_remove": lambda: services.domain_remove(
            org=world["a"], actor=world["actor"], domain=b_domain),
        "tenants.services.domain_verify": lambda: services.domain_verify(
            org=world["a"], actor=world["actor"], domain=b_domain, method="dns"),
        "tenants.services.domain_request_reverification": lambda: services.domain_request_reverification(
            org=world["a"], actor=world["actor"], domain=b_domain),
    }
    with pytest.raises(NotFound):
        calls[name]()
