import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tenants.audit import Actor
from tenants import services
from tenants.models import Membership
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
