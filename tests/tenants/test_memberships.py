import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tenants import services
from tenants.audit import Actor
from tenants.errors import NotFound
from tenants.models import AuditEvent, Membership
from tenants.scoping import org_scope
from tests.factories import UserFactory, add_member

Role = Membership.Role


def test_demoting_the_last_owner_is_refused(org, owner):
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    with pytest.raises(ValidationError, match="last owner of Acme"):
        services.membership_change_role(org=org, actor=Actor.member(owner), membership=membership, role=Role.ADMIN)
    with org_scope(org):
        assert Membership.objects.get(user=owner).role == Role.OWNER


def test_removing_the_last_owner_is_refused(org, owner):
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    with pytest.raises(ValidationError, match="Make another member an owner first"):
        services.membership_remove(org=org, actor=Actor.member(owner), membership=membership)


def test_an_owner_can_step_down_once_another_owner_exists(org, owner):
    add_member(org, role=Role.OWNER)
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    services.membership_change_role(org=org, actor=Actor.member(owner), membership=membership, role=Role.ADMIN)
    with org_scope(org):
        assert Membership.objects.get(user=owner).role == Role.ADMIN


def test_an_admin_cannot_touch_owners(org, owner):
    admin = add_member(org, role=Role.ADMIN).user
    with org_scope(org):
        owner_membership = Membership.objects.get(user=owner)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(org=org, actor=Actor.member(admin), membership=owner_membership, role=Role.MEMBER)


# --- Who may act: staff as an owner would, never an IdP credential --------------------------------------

def test_staff_act_as_an_owner_would_in_any_org_and_are_audited_as_staff(org, owner):
    staff = UserFactory(email="staff@example.org", is_staff=True)
    membership = add_member(org, role=Role.ADMIN)
    services.membership_change_role(org=org, actor=Actor.staff(staff, "10.0.0.1"), membership=membership, role=Role.OWNER)
    with org_scope(org):
        event = AuditEvent.objects.get(action="member.role_changed")
    assert (event.actor_kind, event.actor_label, event.actor_address) == ("staff", "staff@example.org", "10.0.0.1")


def test_staff_still_keep_the_last_owner(org, owner):
    staff = Actor.staff(UserFactory(is_staff=True))
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    with pytest.raises(ValidationError, match="last owner of Acme"):
        services.membership_remove(org=org, actor=staff, membership=membership)


@pytest.mark.parametrize("actor", [
    lambda: Actor.credential("Okta token (ST1)"),
    lambda: Actor.staff(UserFactory(is_staff=False)),  # a staff actor needs a staff account
], ids=["idp-credential", "staff-actor-without-staff-account"])
def test_others_cannot_manage_members(org, owner, actor):
    member = add_member(org)
    with pytest.raises(PermissionDenied, match="Only owners and admins manage members"):
        services.membership_change_role(org=org, actor=actor(), membership=member, role=Role.ADMIN)


def test_role_changes_and_removals_record_what_changed(org, owner):
    member = add_member(org)
    services.membership_change_role(org=org, actor=Actor.member(owner), membership=member, role=Role.ADMIN)
    services.membership_remove(org=org, actor=Actor.member(owner), membership=member)
    with org_scope(org):
        events = list(AuditEvent.objects.order_by("id").values_list("action", "object_id", "detail"))
    assert events == [
        ("member.role_changed", member.public_id, {"from": "member", "to": "admin"}),
        ("member.removed", member.public_id, {"role": "admin"}),
    ]


def test_saving_unchanged_settings_records_nothing(org, owner):
    services.organization_update_policy(org=org, actor=Actor.member(owner), name=" Acme ", send_welcome_emails=True)
    with org_scope(org):
        assert not AuditEvent.objects.exists()


def test_a_membership_gone_meanwhile_is_not_found(org, owner):
    member = add_member(org)
    services.membership_remove(org=org, actor=Actor.member(owner), membership=member)
    with pytest.raises(NotFound):
        services.membership_change_role(org=org, actor=Actor.member(owner), membership=member, role=Role.ADMIN)
