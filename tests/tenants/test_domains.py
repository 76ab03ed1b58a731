"""Domain services and selectors: adding, verifying, the re-check countdown, the provisioning rule."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from freezegun import freeze_time

from tenants import selectors, services
from tenants.audit import Actor
from tenants.domain_checks import dns_record_name, dns_record_value
from tenants.models import Domain, Membership
from tenants.scoping import org_scope
from tests.factories import OrganizationFactory, UserFactory, add_member

Status = Domain.Status


def publish(dns_zone, domain):
    dns_zone[dns_record_name(domain.name)] = {"TXT": [dns_record_value(domain.token)]}


def add_verified(org, actor, dns_zone, name="acme.example"):
    domain = services.domain_add(org=org, actor=Actor.member(actor), name=name)
    publish(dns_zone, domain)
    return services.domain_verify(org=org, actor=Actor.member(actor), domain=domain, method="dns")


def test_added_domain_is_normalised_unverified_with_a_random_token(org, owner):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="ACME.Example.")
    assert domain.name == "acme.example"
    assert domain.status == Status.UNVERIFIED
    assert len(domain.token) == 32 and int(domain.token, 16) >= 0
    assert domain.token != services.domain_add(org=org, actor=Actor.member(owner), name="eu.acme.example").token


def test_adding_the_same_domain_twice_is_refused(org, owner):
    services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    with pytest.raises(ValidationError, match="already one of Acme's domains"):
        services.domain_add(org=org, actor=Actor.member(owner), name="Acme.example")


@pytest.mark.parametrize("name, message", [("gmail.com", "consumer"), ("co.uk", "public suffix"), ("not a domain", "is not a domain name: use letters")])
def test_unclaimable_names_are_refused(org, owner, name, message):
    with pytest.raises(ValidationError, match=message):
        services.domain_add(org=org, actor=Actor.member(owner), name=name)


def test_an_org_has_at_most_100_domains(org, owner):
    with org_scope(org):
        Domain.objects.bulk_create(Domain(org=org, name=f"d{n}.acme.example", token="0" * 32) for n in range(100))
    with pytest.raises(ValidationError, match="at most 100 domains"):
        services.domain_add(org=org, actor=Actor.member(owner), name="one-more.example")


def test_plain_members_and_outsiders_cannot_add_domains(org, other_org):
    member = add_member(org).user
    with pytest.raises(PermissionDenied):
        services.domain_add(org=org, actor=Actor.member(member), name="acme.example")
    outsider = add_member(other_org, role=Membership.Role.OWNER).user
    with pytest.raises(PermissionDenied):
        services.domain_add(org=org, actor=Actor.member(outsider), name="acme.example")


def test_verify_now_with_the_dns_record_verifies(org, owner, dns_zone):
    domain = add_verified(org, owner, dns_zone)
    assert domain.status == Status.VERIFIED
    assert domain.verified_by_method == "dns"
    assert domain.date_last_verification is not None and domain.last_failure_reason == ""


def test_verify_now_with_the_https_file_verifies(org, owner, dns_zone, web_files):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[("acme.example", "/.well-known/idadmin-domain-verification.txt")] = (200, {}, domain.token.encode())
    domain = services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="https")
    assert domain.status == Status.VERIFIED and domain.verified_by_method == "https"


def test_failed_verify_now_keeps_it_unverified_with_the_reason(org, owner, dns_zone):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    domain = services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="dns")
    assert domain.status == Status.UNVERIFIED
    assert "NXDOMAIN" in domain.last_failure_reason and domain.last_checked is not None


def test_failed_verify_now_does_not_downgrade_a_verified_domain(org, owner, dns_zone):
    domain = add_verified(org, owner, dns_zone)
    dns_zone.clear()
    domain = services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="dns")
    assert domain.status == Status.VERIFIED and "NXDOMAIN" in domain.last_failure_reason


def test_a_domain_verified_by_another_org_cannot_be_added_and_the_message_hides_the_org(org, owner, other_org, dns_zone):
    other_owner = add_member(other_org, role=Membership.Role.OWNER).user
    add_verified(other_org, other_owner, dns_zone)
    with pytest.raises(ValidationError) as refused:
        services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    assert refused.value.messages == ["acme.example is already verified by another organization."]
    assert "Globex" not in str(refused.value)


def test_verify_now_of_a_name_another_org_verified_is_refused_without_naming_it(org, owner, other_org, dns_zone):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    add_verified(other_org, add_member(other_org, role=Membership.Role.OWNER).user, dns_zone)
    publish(dns_zone, domain)
    domain = services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="dns")
    assert domain.status == Status.UNVERIFIED
    assert domain.last_failure_reason == "acme.example is already verified by another organization."


def test_subdomains_of_another_orgs_domain_can_be_verified(org, owner, other_org, dns_zone):
    add_verified(other_org, add_member(other_org, role=Membership.Role.OWNER).user, dns_zone)
    assert add_verified(org, owner, dns_zone, name="eu.acme.example").status == Status.VERIFIED


def test_the_database_refuses_a_second_org_verifying_a_name(org, other_org):
    with org_scope(org):
        Domain.objects.create(org=org, name="acme.example", token="0" * 32, status=Status.VERIFIED)
    with org_scope(other_org), pytest.raises(IntegrityError), transaction.atomic():
        Domain.objects.create(org=other_org, name="acme.example", token="1" * 32, status=Status.VERIFIED_UNCERTAIN)


def test_unverified_claims_of_the_same_name_by_two_orgs_coexist(org, owner, other_org):
    services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    services.domain_add(org=other_org, actor=Actor.member(add_member(other_org, role=Membership.Role.OWNER).user), name="acme.example")


@pytest.mark.django_db(transaction=True)
def test_two_orgs_verifying_the_same_domain_at_once_one_wins(dns_zone):
    orgs = [OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")]
    owners = [add_member(o, UserFactory(), Membership.Role.OWNER).user for o in orgs]
    domains = [services.domain_add(org=o, actor=Actor.member(u), name="acme.example") for o, u in zip(orgs, owners)]
    dns_zone["_idadmin.acme.example"] = {"TXT": [dns_record_value(d.token) for d in domains]}
    barrier = threading.Barrier(2)
    results = {}

    def verify(index):
        try:
            barrier.wait()
            results[index] = services.domain_verify(org=orgs[index], actor=Actor.member(owners[index]), domain=domains[index], method="dns")
        finally:
            connection.close()

    threads = [threading.Thread(target=verify, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(result.status for result in results.values())
    assert statuses == [Status.UNVERIFIED, Status.VERIFIED]
    loser = next(result for result in results.values() if result.status == Status.UNVERIFIED)
    assert loser.last_failure_reason == "acme.example is already verified by another organization."


def test_losing_the_race_at_the_database_is_caught_and_explained(org, owner, other_org, dns_zone, monkeypatch):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    add_verified(other_org, add_member(other_org, role=Membership.Role.OWNER).user, dns_zone)
    publish(dns_zone, domain)
    # As if the other org committed between our pre-check and our save: only the constraint stops us.
    monkeypatch.setattr(services, "_verified_elsewhere", lambda org, name: False)
    domain = services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="dns")
    assert domain.status == Status.UNVERIFIED
    assert domain.last_failure_reason == "acme.example is already verified by another organization."
    assert domain.last_checked is not None


def test_an_unknown_verification_method_is_refused(org, owner):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    with pytest.raises(ValidationError, match="Unknown verification method"):
        services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="carrier-pigeon")


def test_removing_a_domain(org, owner):
    domain = services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    services.domain_remove(org=org, actor=Actor.member(owner), domain=domain)
    assert not selectors.org_domains(org=org).exists()


# --- The daily re-check and its 30-day countdown ------------------------------------------------------

def test_a_failed_recheck_makes_it_uncertain_and_starts_the_countdown(org, owner, dns_zone):
    domain = add_verified(org, owner, dns_zone)
    dns_zone.clear()
    now = timezone.now()
    domain = services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=now)
    assert domain.status == Status.VERIFIED_UNCERTAIN
    assert domain.uncertain_since == now
    assert domain.days_left_to_reverify(now) == 30
    assert domain.days_left_to_reverify(now + timedelta(days=29, hours=1)) == 1
    assert domain.days_left_to_reverify(now + timedelta(days=30)) == 0


def test_the_other_method_passing_keeps_it_verified(org, owner, dns_zone, web_files):
    domain = add_verified(org, owner, dns_zone)
    dns_zone.clear()
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[("acme.example", "/.well-known/idadmin-domain-verification.txt")] = (200, {}, domain.token.encode())
    domain = services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk)
    assert domain.status == Status.VERIFIED and domain.verified_by_method == "https"


def test_passing_again_within_30_days_clears_the_countdown(org, owner, dns_zone):
    domain = add_verified(org, owner, dns_zone)
    records = dict(dns_zone)
    dns_zone.clear()
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk)
    dns_zone.update(records)
    with freeze_time(timezone.now() + timedelta(days=29)):
        domain = services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk)
    assert domain.status == Status.VERIFIED and domain.uncertain_since is None
    assert domain.days_left_to_reverify() is None


def test_failing_for_30_days_unverifies_and_emails_the_owners(org, owner, dns_zone, django_capture_on_commit_callbacks):
    add_member(org, UserFactory(email="second-owner@acme.example"), Membership.Role.OWNER)
    add_member(org, UserFactory(email="admin@acme.example"), Membership.Role.ADMIN)
    domain = add_verified(org, owner, dns_zone)
    dns_zone.clear()
    start = timezone.now()
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start)
    domain = services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start + timedelta(days=29, hours=23))
    assert domain.status == Status.VERIFIED_UNCERTAIN and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        domain = services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start + timedelta(days=30))
    assert domain.status == Status.UNVERIFIED
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["owner@acme.example", "second-owner@acme.example"]
    assert "acme.example is no longer verified" in mail.outbox[0].subject
    assert "NXDOMAIN" in mail.outbox[0].body


def test_verification_and_its_loss_are_directory_events(org, owner, dns_zone):
    from events.selectors import org_events

    domain = add_verified(org, owner, dns_zone)
    dns_zone.clear()
    start = timezone.now()
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start)
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start + timedelta(days=30))
    events = org_events(org=org)
    assert [(e.type, e.resource_id, e.data["name"]) for e in events] == [
        ("domain.verified", domain.public_id, "acme.example"),
        ("domain.verification_lost", domain.public_id, "acme.example")]
    assert "NXDOMAIN" in events[1].data["reason"] and events[0].actor_label == owner.email


# --- The provisioning rule the SCIM service asks ----------------------------------------------------------

def test_unverified_and_unknown_domains_block_provisioning(org, owner, dns_zone):
    add_verified(org, owner, dns_zone)
    services.domain_add(org=org, actor=Actor.member(owner), name="pending.example")
    blocked = selectors.domains_blocking_provisioning(org=org, domains=["ACME.example", "pending.example", "Other.example", "sub.acme.example"])
    assert blocked == ["pending.example", "other.example", "sub.acme.example"]


def test_uncertain_domains_still_allow_provisioning(org, owner, dns_zone):
    domain = add_verified(org, owner, dns_zone)
    dns_zone.clear()
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk)
    assert selectors.domains_blocking_provisioning(org=org, domains=["acme.example"]) == []


def test_another_orgs_verified_domain_blocks_provisioning(org, other_org, dns_zone):
    add_verified(other_org, add_member(other_org, role=Membership.Role.OWNER).user, dns_zone)
    assert selectors.domains_blocking_provisioning(org=org, domains=["acme.example"]) == ["acme.example"]


def test_nothing_blocks_when_the_policy_is_off(org, owner):
    org = services.organization_update_policy(org=org, actor=Actor.member(owner), require_verified_domains=False)
    assert selectors.domains_blocking_provisioning(org=org, domains=["anything.example"]) == []


def test_the_policy_is_on_by_default_and_only_owners_change_it(org, owner):
    assert org.require_verified_domains is True
    admin = add_member(org, role=Membership.Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        services.organization_update_policy(org=org, actor=Actor.member(admin), require_verified_domains=False)


def test_the_demo_shortcut_is_refused_unless_debug(org, settings):
    settings.DEBUG = False
    with pytest.raises(PermissionDenied):
        services.domain_mark_verified_for_demo(org=org, actor=Actor.system(), name="acme.example")
    settings.DEBUG = True
    assert services.domain_mark_verified_for_demo(org=org, actor=Actor.system(), name="acme.example").status == Status.VERIFIED
