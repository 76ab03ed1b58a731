"""The org's audit log: every console action leaves a row, owners and admins read it on the Audit log
page in plain words, and the database refuses to change or delete a row."""

import html
import re
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tenants import audit, services
from tenants.audit import Actor
from tenants.models import AuditEvent, Domain, Invitation, Membership
from tenants.scoping import org_scope
from tests.factories import TEST_PASSWORD, UserFactory, add_member

Role = Membership.Role


def audit_page(client, **filters) -> str:
    response = client.get(reverse("console:audit_log"), filters)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def rows(page: str) -> int:
    return page.count("<tr data-action=")


def table(page: str) -> str:
    """The log's rows as text, without tags or repeated spaces (not the filters' options)."""
    rows_html = page.partition('id="audit-log"')[2].partition("</table>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", rows_html).split())


def test_every_console_action_is_on_the_audit_log(client, org, owner, dns_zone, django_capture_on_commit_callbacks):
    login = reverse("console:login")
    client.post(login, {"username": owner.email, "password": "wrong"})
    client.post(login, {"username": owner.email, "password": TEST_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("console:member_invite"), {"email": "new@acme.example", "role": "member"})
    with org_scope(org):
        invitation = Invitation.objects.get(email="new@acme.example")
    client.post(reverse("console:invitation_resend", args=[invitation.public_id]))
    client.post(reverse("console:invitation_revoke", args=[invitation.public_id]))
    invited = add_member(org, UserFactory(email="joined@acme.example"))
    client.post(reverse("console:member_change_role", args=[invited.public_id]), {"role": "admin"})
    client.post(reverse("console:member_remove", args=[invited.public_id]))
    client.post(reverse("console:domain_add"), {"name": "acme.example"})
    with org_scope(org):
        domain = Domain.objects.get()
    dns_zone["_idadmin.acme.example"] = {"TXT": [f"idadmin-domain-verification={domain.token}"]}
    client.post(reverse("console:domain_verify", args=[domain.public_id]), {"method": "dns"})
    dns_zone.clear()
    start = timezone.now()
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start)
    services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain.pk, now=start + timedelta(days=30))
    client.post(reverse("console:domain_delete", args=[domain.public_id]))
    client.post(reverse("console:settings"), {"name": "Acme Corp", "require_verified_domains": "on"})

    page = table(audit_page(client))
    for words in (
        "Failed to sign in to the console", "Signed in to the console", "Invited a person",
        "Resent an invitation", "Revoked an invitation", "email: new@acme.example",
        "Changed a member's role", "role member → admin", "Removed a member", "new@acme.example",
        "Added a domain", "Verified a domain", "method: dns", "A verified domain failed its re-check",
        "A domain lost its verification", "NXDOMAIN", "Removed a domain", "Changed the organization's settings",
        "fields: name, send welcome emails", "owner@acme.example (Member)", "System", "127.0.0.1",
    ):
        assert words in page, words
    assert rows(audit_page(client)) == 13


def test_the_log_filters_by_actor_and_by_action(owner_client, org, owner):
    services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    services.organization_update_policy(org=org, actor=Actor.system(), send_welcome_emails=False)
    audit.record(org=org, actor=Actor.credential("Okta token (ST123)"), action="member.invited", obj=org)

    everything = audit_page(owner_client)
    assert rows(everything) == 3
    assert '<option value="credential:Okta token (ST123)">Okta token (ST123) (IdP credential)</option>' in everything
    assert '<option value="system:System">System</option>' in everything
    assert '<option value="domain.added">Added a domain</option>' in everything

    by_actor = audit_page(owner_client, actor="member:owner@acme.example")
    assert rows(by_actor) == 1 and "Added a domain" in table(by_actor)
    by_action = audit_page(owner_client, action="organization.settings_changed")
    assert rows(by_action) == 1 and table(by_action).count("System") == 1
    nothing = audit_page(owner_client, actor="member:owner@acme.example", action="organization.settings_changed")
    assert rows(nothing) == 0 and 'id="audit-log-empty"' in nothing and "Show everything" in nothing


def test_an_empty_log_says_what_will_appear(owner_client):
    page = audit_page(owner_client)
    assert 'id="audit-log-empty"' in page and "Nothing recorded yet" in page


def test_the_nav_puts_the_audit_log_between_provisioning_log_and_settings(owner_client):
    labels = [item["label"] for item in owner_client.get(reverse("console:index")).context["console_nav"]]
    assert labels.index("Provisioning log") + 1 == labels.index("Audit log") < labels.index("Settings")


def test_members_cannot_read_the_log(client, org, owner):
    audit.record(org=org, actor=Actor.member(owner), action="member.invited", obj=org)
    client.force_login(add_member(org, role=Role.MEMBER).user)
    response = client.get(reverse("console:audit_log"))
    assert response.status_code == 403 and b"Invited a member" not in response.content


def test_an_admin_of_another_org_sees_only_their_own_log(client, org, other_org, owner):
    services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    other_admin = add_member(other_org, UserFactory(email="admin@globex.example"), Role.ADMIN).user
    audit.record(org=other_org, actor=Actor.member(other_admin), action="member.invited", obj=other_org)
    client.force_login(other_admin)
    page = audit_page(client)
    assert "Invited a member" in page
    assert "acme.example" not in page and "Added a domain" not in table(page)


def test_admins_read_it_too(client, org, owner):
    services.domain_add(org=org, actor=Actor.member(owner), name="acme.example")
    client.force_login(add_member(org, role=Role.ADMIN).user)
    assert "Added a domain" in audit_page(client)


def test_pages_of_50_walk_older_and_newer_at_a_constant_query_count(owner_client, org):
    actor = Actor.system()
    for _ in range(5):
        audit.record(org=org, actor=actor, action="member.invited", obj=org)
    with CaptureQueriesContext(connection) as few:
        audit_page(owner_client)
    for _ in range(115):
        audit.record(org=org, actor=actor, action="member.invited", obj=org)
    with CaptureQueriesContext(connection) as many:
        first = owner_client.get(reverse("console:audit_log"))
    assert len(many) == len(few)

    with org_scope(org):
        newest_first = list(AuditEvent.objects.order_by("-created", "-id").values_list("pk", flat=True))
    first_page = first.context["page"]
    assert [event.pk for event in first_page.events] == newest_first[:50] and first_page.newer is None
    second = owner_client.get(reverse("console:audit_log"), {"before": first_page.older}).context["page"]
    assert [event.pk for event in second.events] == newest_first[50:100]
    third = owner_client.get(reverse("console:audit_log"), {"before": second.older}).context["page"]
    assert [event.pk for event in third.events] == newest_first[100:] and third.older is None
    back = owner_client.get(reverse("console:audit_log"), {"after": third.newer}).context["page"]
    assert [event.pk for event in back.events] == newest_first[50:100]
    assert 'id="audit-log-pager"' in first.content.decode()


def test_an_unreadable_cursor_shows_the_newest_page(owner_client, org):
    audit.record(org=org, actor=Actor.system(), action="member.invited", obj=org)
    assert rows(audit_page(owner_client, before="not-a-cursor")) == 1


# --- Append-only at the database ----------------------------------------------------------------------------

@pytest.fixture
def event(org):
    return audit.record(org=org, actor=Actor.system(), action="member.invited", obj=org)


@pytest.mark.parametrize("change", [
    lambda event: AuditEvent.objects.filter(pk=event.pk).update(action="member.removed"),
    lambda event: AuditEvent.objects.filter(pk=event.pk).delete(),
    lambda event: event.delete(),
    lambda event: connection.cursor().execute(
        "UPDATE tenants_auditevent SET actor_label = 'someone else' WHERE id = %s", [event.pk]),
    lambda event: connection.cursor().execute("DELETE FROM tenants_auditevent WHERE id = %s", [event.pk]),
], ids=["orm-update", "orm-queryset-delete", "orm-instance-delete", "sql-update", "sql-delete"])
def test_the_database_refuses_to_change_or_delete_an_audit_row(org, event, change):
    with org_scope(org):
        with pytest.raises(DatabaseError, match="Cannot update or delete rows"), transaction.atomic():
            change(event)
        assert AuditEvent.objects.filter(pk=event.pk, action="member.invited", actor_label="System").exists()
