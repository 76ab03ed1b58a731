"""The staff admin's Domain pages."""

import pytest
from django.urls import reverse

from tenants import services
from tenants.audit import Actor
from tenants.models import AuditEvent, Domain, Membership
from tenants.scoping import all_orgs_scope
from tests.factories import add_member

Status = Domain.Status


@pytest.fixture
def domains(org, owner, other_org):
    other_owner = add_member(other_org, role=Membership.Role.OWNER).user
    return [
        services.domain_add(org=org, actor=Actor.member(owner), name="acme.example"),
        services.domain_add(org=other_org, actor=Actor.member(other_owner), name="globex.example"),
    ]


def test_list_searches_and_filters_by_org_and_status(staff_client, domains, other_org):
    url = reverse("admin:tenants_domain_changelist")
    everything = staff_client.get(url)
    assert b"acme.example" in everything.content and b"globex.example" in everything.content
    assert b"Days left to re-verify" in everything.content
    by_org = staff_client.get(url, {"org__id__exact": other_org.pk}).content
    assert b"globex.example" in by_org and b"acme.example" not in by_org
    by_search = staff_client.get(url, {"q": "globex"}).content
    assert b"globex.example" in by_search and b"acme.example" not in by_search
    assert b"acme.example" not in staff_client.get(url, {"status__exact": "verified"}).content


def test_detail_shows_the_token_read_only(staff_client, domains):
    domain = domains[0]
    page = staff_client.get(reverse("admin:tenants_domain_change", args=[domain.pk]))
    assert domain.token.encode() in page.content
    assert b'name="name"' not in page.content


def test_staff_add_a_domain_through_the_service(staff_client, org):
    response = staff_client.post(reverse("admin:tenants_domain_add"), {"org": org.pk, "name": "Staff.Example"})
    assert response.status_code == 302
    with all_orgs_scope():
        domain = Domain.objects.get(name="staff.example")
    assert domain.org == org and len(domain.token) == 32


def test_staff_add_shows_the_services_refusal(staff_client, org):
    response = staff_client.post(reverse("admin:tenants_domain_add"), {"org": org.pk, "name": "gmail.com"})
    assert response.status_code == 200
    assert b"consumer e-mail provider" in response.content
    with all_orgs_scope():
        assert not Domain.objects.exists()


def test_reverify_now_action_checks_the_selected_domains(staff_client, domains, dns_zone, django_capture_on_commit_callbacks):
    acme = domains[0]
    dns_zone["_idadmin.acme.example"] = {"TXT": [f"idadmin-domain-verification={acme.token}"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:tenants_domain_changelist"),
            {"action": "reverify_now", "_selected_action": [d.pk for d in domains]},
            follow=True,
        )
    assert b"Re-verification of 2 domain(s) queued." in response.content
    with all_orgs_scope():
        assert Domain.objects.get(pk=acme.pk).status == Status.VERIFIED
        globex = Domain.objects.get(pk=domains[1].pk)
    assert globex.status == Status.UNVERIFIED and "NXDOMAIN" in globex.last_failure_reason
    with all_orgs_scope():
        requested = AuditEvent.objects.filter(action="domain.reverify_requested")
        audited = sorted(requested.values_list("actor_kind", "object_id"))
    assert audited == sorted(("staff", domain.public_id) for domain in domains)


def test_staff_delete_goes_through_the_service(staff_client, domains):
    response = staff_client.post(reverse("admin:tenants_domain_delete", args=[domains[0].pk]), {"post": "yes"})
    assert response.status_code == 302
    with all_orgs_scope():
        assert list(Domain.objects.values_list("name", flat=True)) == ["globex.example"]
