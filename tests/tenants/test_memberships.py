import pytest
from django.core import mail
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
    with pytest.raises(PermissionDenied):
        services.membership_invite(org=org, actor=Actor.member(admin), email="new@acme.example", role=Role.OWNER)


def test_a_member_cannot_manage_members(org, owner):
    member = add_member(org).user
    with pytest.raises(PermissionDenied):
        services.membership_invite(org=org, actor=Actor.member(member), email="new@acme.example", role=Role.MEMBER)


def test_invite_creates_the_person_and_emails_a_set_password_link(org, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_invite(
            org=org, actor=Actor.member(owner), email="New.Person@Acme.Example", role=Role.ADMIN, display_name="New Person"
        )
    assert membership.user.email == "new.person@acme.example"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@acme.example"]
    assert "/accounts/set-password/" in mail.outbox[0].body


def test_inviting_an_existing_member_is_refused(org, owner):
    with pytest.raises(ValidationError, match="already a member"):
        services.membership_invite(org=org, actor=Actor.member(owner), email="OWNER@acme.example", role=Role.MEMBER)


def test_an_existing_user_joins_another_org(org, other_org, owner):
    someone = UserFactory(email="someone@globex.example")
    add_member(other_org, someone, Role.OWNER)
    services.membership_invite(org=org, actor=Actor.member(owner), email=someone.email, role=Role.MEMBER)
    with org_scope(org):
        assert Membership.objects.filter(user=someone).exists()


def test_a_broker_outage_does_not_fail_the_invitation(org, owner, django_capture_on_commit_callbacks, monkeypatch):
    from tenants.tasks import send_invitation_email

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(send_invitation_email, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_invite(org=org, actor=Actor.member(owner), email="x@acme.example", role=Role.MEMBER)
    with org_scope(org):
        assert Membership.objects.filter(pk=membership.pk).exists()


# --- Who may act: staff as an owner would, never an IdP credential --------------------------------------

def test_staff_act_as_an_owner_would_in_any_org_and_are_audited_as_staff(org, owner):
    staff = UserFactory(email="staff@example.org", is_staff=True)
    membership = services.membership_invite(
        org=org, actor=Actor.staff(staff, "10.0.0.1"), email="boss@acme.example", role=Role.OWNER)
    assert membership.role == Role.OWNER and membership.invited_by == staff
    with org_scope(org):
        event = AuditEvent.objects.get(action="member.invited")
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
    with pytest.raises(PermissionDenied, match="Only owners and admins manage members"):
        services.membership_invite(org=org, actor=actor(), email="new@acme.example", role=Role.MEMBER)


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
