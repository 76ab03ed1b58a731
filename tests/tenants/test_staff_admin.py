"""The staff admin writes only through the services: nothing tenant-owned is deleted or edited by
hand, the last-owner rule holds, and every staff write is in the org's audit log as staff."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tenants.models import AuditEvent, Domain, Membership, Organization
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import UserFactory, add_member

Role = Membership.Role


def staff_events(org, action):
    with org_scope(org):
        return list(AuditEvent.objects.filter(action=action, actor_kind="staff"))


def role_of(membership):
    with all_orgs_scope():
        return Membership.objects.filter(pk=membership.pk).values_list("role", flat=True).first()


def run_action(staff_client, action, *memberships):
    response = staff_client.post(
        reverse("admin:tenants_membership_changelist"),
        {"action": action, "_selected_action": [membership.pk for membership in memberships]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def owner_membership(org, owner):
    with org_scope(org):
        return Membership.objects.get(user=owner)


# --- Nothing is deleted or edited by hand -------------------------------------------------------------

@pytest.mark.parametrize("model", ["organization", "membership", "auditevent"])
def test_delete_is_refused_and_offered_nowhere(staff_client, org, owner_membership, model):
    if model == "auditevent":
        from tenants import audit

        obj = audit.record(org=org, actor=audit.Actor.system(), action="organization.settings_changed", obj=org)
    else:
        obj = {"organization": org, "membership": owner_membership}[model]
    assert staff_client.get(reverse(f"admin:tenants_{model}_delete", args=[obj.pk])).status_code == 403
    assert staff_client.post(reverse(f"admin:tenants_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    changelist = staff_client.get(reverse(f"admin:tenants_{model}_changelist"))
    assert changelist.status_code == 200
    assert b"delete_selected" not in changelist.content
    with all_orgs_scope():
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_memberships_cannot_be_added_or_edited_by_hand(staff_client, org, owner_membership):
    assert staff_client.get(reverse("admin:tenants_membership_add")).status_code == 403
    change_url = reverse("admin:tenants_membership_change", args=[owner_membership.pk])
    assert b'name="role"' not in staff_client.get(change_url).content
    assert staff_client.post(change_url, {"role": Role.MEMBER}).status_code == 403
    assert role_of(owner_membership) == Role.OWNER


def test_the_org_page_shows_memberships_read_only(staff_client, org, owner_membership):
    page = staff_client.get(reverse("admin:tenants_organization_change", args=[org.pk])).content.decode()
    assert "owner@acme.example" in page
    assert not re.search(r'name="[^"]*-(role|user|DELETE)"', page)


def test_domains_have_no_bulk_delete(staff_client, org):
    assert b"delete_selected" not in staff_client.get(reverse("admin:tenants_domain_changelist")).content


# --- Memberships: staff actions through the services -----------------------------------------------------

def test_staff_change_roles_and_each_change_is_audited_as_staff(staff_client, org, owner_membership):
    member = add_member(org)
    assert run_action(staff_client, "make_admin", member) == ["Made admin: 1 membership(s)."]
    assert role_of(member) == Role.ADMIN
    run_action(staff_client, "make_owner", member)
    assert role_of(member) == Role.OWNER
    run_action(staff_client, "make_member", owner_membership)
    assert role_of(owner_membership) == Role.MEMBER
    changes = staff_events(org, "member.role_changed")
    assert sorted((event.object_id, event.detail["from"], event.detail["to"]) for event in changes) == sorted([
        (member.public_id, "member", "admin"), (member.public_id, "admin", "owner"),
        (owner_membership.public_id, "owner", "member"),
    ])
    assert {event.actor_label for event in changes} == {"staff@example.org"}


def test_staff_remove_a_member_and_it_is_audited_as_staff(staff_client, org, owner):
    member = add_member(org)
    assert run_action(staff_client, "remove_from_organization", member) == ["Removed 1 membership(s)."]
    assert role_of(member) is None
    [event] = staff_events(org, "member.removed")
    assert event.object_id == member.public_id


@pytest.mark.parametrize("action", ["make_admin", "make_member", "remove_from_organization"])
def test_the_last_owner_can_be_neither_demoted_nor_removed(staff_client, org, owner_membership, action):
    messages = run_action(staff_client, action, owner_membership)
    assert messages == [
        "owner@acme.example in Acme: The last owner of Acme (owner@acme.example) must stay an owner. "
        "Make another member an owner first."
    ]
    assert role_of(owner_membership) == Role.OWNER
    with org_scope(org):
        assert not AuditEvent.objects.exists()


def test_one_refusal_does_not_stop_the_other_selected_changes(staff_client, org, other_org, owner_membership):
    other_member = add_member(other_org)
    messages = run_action(staff_client, "make_admin", owner_membership, other_member)
    assert "Made admin: 1 membership(s)." in messages and any("last owner of Acme" in m for m in messages)
    assert (role_of(owner_membership), role_of(other_member)) == (Role.OWNER, Role.ADMIN)
    assert len(staff_events(other_org, "member.role_changed")) == 1


def test_staff_without_the_change_permission_get_no_membership_actions(client, org, owner_membership):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_membership"))
    client.force_login(viewer)
    page = client.get(reverse("admin:tenants_membership_changelist"))
    assert page.status_code == 200 and b"make_owner" not in page.content


# --- Organizations: created and edited through the services --------------------------------------------

def hidden_inputs(page: str) -> dict:
    """The change form's hidden inputs (the read-only inline's management form among them)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def test_staff_edit_the_name_and_policies_through_the_service(staff_client, org, owner):
    url = reverse("admin:tenants_organization_change", args=[org.pk])
    response = staff_client.post(url, {
        **hidden_inputs(staff_client.get(url).content.decode()),
        "name": " Acme Corp ", "require_verified_domains": "on", "send_welcome_emails": "on",
        "username_must_equal_primary_email": "on",
    })
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.username_must_equal_primary_email) == ("Acme Corp", True)
    [event] = staff_events(org, "organization.settings_changed")
    assert sorted(event.detail["fields"]) == ["name", "username_must_equal_primary_email"]


def test_staff_create_an_org_with_its_first_owner(staff_client, db):
    someone = UserFactory(email="founder@initech.example")
    assert b'name="owner_email"' in staff_client.get(reverse("admin:tenants_organization_add")).content
    response = staff_client.post(reverse("admin:tenants_organization_add"),
                                 {"name": "Initech", "owner_email": "Founder@Initech.example"})
    assert response.status_code == 302
    org = Organization.objects.get(name="Initech")
    with org_scope(org):
        assert Membership.objects.get().user == someone and Membership.objects.get().role == Role.OWNER
    [event] = staff_events(org, "organization.created")
    assert event.detail == {"owner": "founder@initech.example"}


def test_creating_an_org_needs_an_existing_account(staff_client, db):
    response = staff_client.post(reverse("admin:tenants_organization_add"),
                                 {"name": "Initech", "owner_email": "nobody@initech.example"})
    assert response.status_code == 200 and b"No account has this e-mail" in response.content
    assert not Organization.objects.filter(name="Initech").exists()


# --- Domains: added, removed and re-verified through the services ------------------------------------------

def test_staff_add_and_delete_a_domain_and_both_are_audited_as_staff(staff_client, org):
    staff_client.post(reverse("admin:tenants_domain_add"), {"org": org.pk, "name": "Staff.Example"})
    with org_scope(org):
        domain = Domain.objects.get()
    assert [event.object_id for event in staff_events(org, "domain.added")] == [domain.public_id]
    response = staff_client.post(reverse("admin:tenants_domain_delete", args=[domain.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert [event.object_repr for event in staff_events(org, "domain.deleted")] == ["staff.example"]


def test_a_refused_staff_addition_writes_nothing(staff_client, org):
    staff_client.post(reverse("admin:tenants_domain_add"), {"org": org.pk, "name": "acme.example"})
    response = staff_client.post(reverse("admin:tenants_domain_add"), {"org": org.pk, "name": "ACME.example"})
    assert response.status_code == 200 and b"already one of Acme&#x27;s domains" in response.content
    with org_scope(org):
        assert Domain.objects.count() == 1 and AuditEvent.objects.count() == 1


def test_validating_the_staff_form_writes_nothing(rf, org):
    from tenants.admin import DomainAddForm
    from tenants.audit import Actor

    form_class = type("Form", (DomainAddForm,), {"request": rf.get("/")})
    form_class.request.actor = Actor.staff(UserFactory(is_staff=True))
    form = form_class({"org": org.pk, "name": "acme.example"})
    with all_orgs_scope():
        assert form.is_valid(), form.errors
        assert not Domain.objects.exists() and not AuditEvent.objects.exists()


def test_staff_cannot_delete_the_account_of_an_orgs_only_owner(client, org, owner):
    from accounts.models import User

    staff = UserFactory(email="root@idadmin.example", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get(f"/admin/accounts/user/{owner.pk}/delete/").status_code == 403
    client.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [owner.pk], "post": "yes"})
    assert User.objects.filter(pk=owner.pk).exists()
    co_owner = UserFactory()
    add_member(org, co_owner, Membership.Role.OWNER)
    assert client.get(f"/admin/accounts/user/{owner.pk}/delete/").status_code == 200


def test_staff_see_the_effect_ledger_read_only(staff_client, db):
    from tenants.models import Effect

    Effect.objects.create(key="k-pending", task="scim.tasks.send_welcome_email", kwargs={"user_id": 1, "org_id": 1})
    page = staff_client.get("/admin/tenants/effect/?done__isempty=1")
    assert page.status_code == 200 and "k-pending" in page.content.decode()
    assert staff_client.get("/admin/tenants/effect/add/").status_code == 403
    assert staff_client.post("/admin/tenants/effect/k-pending/delete/", {"post": "yes"}).status_code == 403
    assert Effect.objects.filter(key="k-pending").exists()
