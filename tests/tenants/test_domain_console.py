"""The Domains and Settings console pages."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tenants import services
from tenants.audit import Actor
from tenants.models import Domain, Membership, Organization
from tenants.scoping import org_scope
from tests.factories import add_member

Status = Domain.Status


def page_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_client(client, org):
    client.force_login(add_member(org, role=Membership.Role.ADMIN).user)
    return client


@pytest.fixture
def domain(org, owner):
    return services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")


def test_nav_has_domains_and_settings_in_order(owner_client):
    nav = owner_client.get(reverse("console:index")).context["console_nav"]
    labels = [item["label"] for item in nav]
    assert labels.index("Domains") < labels.index("Settings") == len(labels) - 1


def test_empty_state_tells_what_to_do(owner_client):
    response = owner_client.get(reverse("console:domains"))
    assert b'id="domains-empty"' in response.content
    assert b"prove you own it" in response.content


def test_adding_a_domain_goes_to_its_instructions(owner_client, org):
    response = owner_client.post(reverse("console:domain_add"), {"name": "Acme.Example"}, follow=True)
    with org_scope(org):
        domain = Domain.objects.get()
    assert response.redirect_chain[-1][0] == reverse("console:domain_detail", args=[domain.public_id])
    assert page_messages(response) == ["Added acme.example. Publish the DNS record or the file below, then verify."]
    content = response.content.decode()
    assert '<code id="dns-record-name">_idadmin.acme.example</code>' in content
    assert f'<code id="dns-record-value">idadmin-domain-verification={domain.token}</code>' in content
    assert '<code id="https-file-url">https://acme.example/.well-known/idadmin-domain-verification.txt</code>' in content
    assert f'<code id="https-file-contents">{domain.token}</code>' in content
    assert content.count('data-copy-target="') == 4
    assert "console/console.js" in content and "<script>" not in content


def test_a_refused_domain_shows_the_error_next_to_the_field(owner_client):
    response = owner_client.post(reverse("console:domain_add"), {"name": "gmail.com"})
    assert response.status_code == 200
    assert b'id="domain-errors"' in response.content
    assert b"consumer e-mail provider" in response.content


def test_list_shows_status_dates_days_left_and_failure(owner_client, org, owner, dns_zone, domain):
    dns_zone["_idadmin.acme.example"] = {"TXT": [f"idadmin-domain-verification={domain.token}"]}
    services.domain_verify(org=org, actor=Actor.member(owner), domain=domain, method="dns")
    dns_zone.clear()
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk)
    content = owner_client.get(reverse("console:domains")).content.decode()
    assert 'data-status="verified-uncertain"' in content
    assert "<td>30</td>" in content
    assert "NXDOMAIN" in content


def test_verify_now_success_and_failure_messages(owner_client, dns_zone, domain):
    url = reverse("console:domain_verify", args=[domain.public_id])
    failed = owner_client.post(url, {"method": "dns"}, follow=True)
    assert page_messages(failed) == ["Could not verify acme.example: No DNS record _idadmin.acme.example exists (NXDOMAIN)."]
    dns_zone["_idadmin.acme.example"] = {"TXT": [f"idadmin-domain-verification={domain.token}"]}
    passed = owner_client.post(url, {"method": "dns"}, follow=True)
    assert page_messages(passed) == ["Verified acme.example with the DNS TXT record."]
    assert b'data-status="verified"' in passed.content


def test_verify_now_by_https(owner_client, dns_zone, web_files, domain):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[("acme.example", "/.well-known/idadmin-domain-verification.txt")] = (200, {}, domain.token.encode())
    response = owner_client.post(reverse("console:domain_verify", args=[domain.public_id]), {"method": "https"}, follow=True)
    assert page_messages(response) == ["Verified acme.example with the HTTPS file."]


def test_delete_asks_for_confirmation_then_removes(owner_client, org, domain):
    url = reverse("console:domain_delete", args=[domain.public_id])
    assert b"Yes, remove" in owner_client.get(url).content
    with org_scope(org):
        assert Domain.objects.exists()
    response = owner_client.post(url, follow=True)
    assert page_messages(response) == ["Removed acme.example."]
    with org_scope(org):
        assert not Domain.objects.exists()


def test_another_orgs_domain_is_not_found(owner_client, other_org):
    other_owner = add_member(other_org, role=Membership.Role.OWNER).user
    foreign = services.domain_add(org=other_org, actor=Actor.member(other_owner), name="globex.example")
    for name in ("console:domain_detail", "console:domain_delete"):
        assert owner_client.get(reverse(name, args=[foreign.public_id])).status_code == 404
    assert owner_client.post(reverse("console:domain_verify", args=[foreign.public_id]), {"method": "dns"}).status_code == 404


def test_members_cannot_see_domains(client, org):
    client.force_login(add_member(org).user)
    assert client.get(reverse("console:domains")).status_code == 403


def test_owner_turns_the_policy_off(owner_client, org):
    page = owner_client.get(reverse("console:settings"))
    assert b"Provisioned users must use a verified domain" in page.content and b"settings-read-only" not in page.content
    response = owner_client.post(reverse("console:settings"), {"name": "Acme"}, follow=True)
    assert page_messages(response) == ["Settings saved."]
    assert Organization.objects.get(pk=org.pk).require_verified_domains is False


def test_owner_renames_the_org_and_sets_the_scim_policies(owner_client, org):
    response = owner_client.post(reverse("console:settings"), {
        "name": "  Acme Corp ", "require_verified_domains": "on", "username_must_equal_primary_email": "on",
    }, follow=True)
    assert page_messages(response) == ["Settings saved."]
    org = Organization.objects.get(pk=org.pk)
    assert (org.name, org.require_verified_domains, org.username_must_equal_primary_email, org.send_welcome_emails) \
        == ("Acme Corp", True, True, False)


def test_settings_show_a_missing_name_next_to_the_field(owner_client, org):
    response = owner_client.post(reverse("console:settings"), {"name": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required." in page
    assert page.index('name="name"') < page.index("This field is required.") < page.index("require_verified_domains")
    assert Organization.objects.get(pk=org.pk).name == "Acme"


def test_admins_see_the_policy_read_only(admin_client, org):
    page = admin_client.get(reverse("console:settings"))
    assert b"settings-read-only" in page.content and b"disabled" in page.content
    assert admin_client.post(reverse("console:settings"), {}).status_code == 403
    assert Organization.objects.get(pk=org.pk).require_verified_domains is True


def test_anonymous_visitors_are_sent_to_sign_in(client, domain):
    for url in (reverse("console:domains"), reverse("console:domain_detail", args=[domain.public_id]), reverse("console:settings")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("console:login"))
