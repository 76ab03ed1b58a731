"""Joining an org takes the person's acceptance (DESIGN.md invariant 9): an invitation is pending until
the invited person accepts it (signed in, or by choosing a password from the link), declines it, an
admin revokes it, or it expires. Resending makes a new link and a new expiry."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tenants import invitations
from tenants.audit import Actor
from tenants.middleware import SESSION_ORG_KEY
from tenants.models import AuditEvent, Invitation, Membership
from tenants.scoping import org_scope
from tests.factories import TEST_PASSWORD, UserFactory, add_member

Role = Membership.Role
Status = Invitation.Status


def invite(org, actor_user, email, role=Role.MEMBER, **kwargs):
    actor = actor_user if isinstance(actor_user, Actor) else Actor.member(actor_user)
    return invitations.invitation_create(org=org, actor=actor, email=email, role=role, **kwargs)


def link_in(message) -> str:
    return re.search(r"https?://\S+(/console/invitations/link/\S+/)", message.body).group(1)


def is_member(org, user) -> bool:
    with org_scope(org):
        return Membership.objects.filter(user=user).exists()


def actions(org) -> list[str]:
    with org_scope(org):
        return list(AuditEvent.objects.filter(action__startswith="invitation.").order_by("id")
                    .values_list("action", flat=True))


@pytest.fixture
def someone(other_org):
    """An existing account: the owner of another org."""
    person = UserFactory(email="someone@globex.example")
    add_member(other_org, person, Role.OWNER)
    return person


def test_inviting_an_existing_account_creates_a_pending_invitation_not_a_membership(
        org, owner, someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org, owner, "Someone@Globex.Example", Role.ADMIN)
    assert (invitation.email, invitation.status, invitation.role) == ("someone@globex.example", Status.PENDING, "admin")
    assert timedelta(days=6, hours=23) < invitation.expires - timezone.now() <= timedelta(days=7)
    assert not is_member(org, someone)
    [message] = mail.outbox
    assert message.to == ["someone@globex.example"] and "Acme" in message.subject
    token = link_in(message).rstrip("/").rpartition("/")[2]
    # Only the hash is stored.
    assert token not in {invitation.token_hash, invitation.token_nonce}
    assert invitations.hash_invitation_token(token) == invitation.token_hash
    assert actions(org) == ["invitation.created"]


def test_the_existing_account_signs_in_sees_and_accepts_the_invitation(
        client, org, owner, someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org, owner, someone.email, Role.ADMIN)
    link = link_in(mail.outbox[0])
    # The link doesn't let anyone in: it asks the account to sign in.
    response = client.get(link)
    assert response.status_code == 200 and b"Sign in" in response.content and not is_member(org, someone)
    client.post(reverse("console:login"), {"username": someone.email, "password": TEST_PASSWORD})
    page = client.get(reverse("console:invitations")).content.decode()
    assert "Acme" in page and invitation.public_id in page
    response = client.post(reverse("console:invitations"), {"invitation": invitation.public_id, "answer": "accept"})
    assert response.status_code == 302 and response["Location"] == reverse("console:index")
    assert client.session[SESSION_ORG_KEY] == org.public_id
    with org_scope(org):
        membership = Membership.objects.get(user=someone)
    assert (membership.role, membership.invited_by) == (Role.ADMIN, owner)
    assert client.get(reverse("console:members")).status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == Status.ACCEPTED
    assert actions(org) == ["invitation.created", "invitation.accepted"]
    # Used: the link is dead.
    assert client.get(link).status_code == 404


def test_the_org_picker_offers_open_invitations(client, org, owner, someone):
    invite(org, owner, someone.email)
    client.force_login(someone)
    page = client.get(reverse("console:choose_org")).content.decode()
    assert "Your invitations" in page and "Acme" in page


def test_decline(client, org, owner, someone):
    invitation = invite(org, owner, someone.email)
    client.force_login(someone)
    client.post(reverse("console:invitations"), {"invitation": invitation.public_id, "answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == Status.DECLINED and not is_member(org, someone)
    assert actions(org) == ["invitation.created", "invitation.declined"]
    with pytest.raises(ValidationError, match="already declined"):
        invitations.invitation_accept(org=org, actor=Actor.member(someone), invitation=invitation)


def test_only_the_invited_person_can_answer(client, org, owner, someone):
    invitation = invite(org, owner, someone.email)
    intruder = add_member(org, UserFactory(email="intruder@acme.example")).user
    with pytest.raises(PermissionDenied):
        invitations.invitation_accept(org=org, actor=Actor.member(intruder), invitation=invitation)
    client.force_login(intruder)
    response = client.post(reverse("console:invitations"), {"invitation": invitation.public_id, "answer": "accept"})
    assert response.status_code == 404 and not is_member(org, someone)


def test_a_new_person_chooses_a_password_from_the_link_which_accepts(
        client, org, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org, owner, "new@acme.example", Role.ADMIN, display_name="New Person")
    assert not User.objects.filter(email="new@acme.example").exists()  # no account until they accept
    link = link_in(mail.outbox[0])
    assert b"Accept and save password" in client.get(link).content
    password = "a-long-enough-passphrase-42"
    response = client.post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302 and response["Location"] == reverse("console:index")
    person = User.objects.get(email="new@acme.example")
    assert person.check_password(password) and person.display_name == "New Person"
    assert is_member(org, person)
    assert client.get(reverse("console:members")).status_code == 200  # signed in, in Acme's console
    invitation.refresh_from_db()
    assert invitation.status == Status.ACCEPTED
    assert client.get(link).status_code == 404


def test_the_link_never_sets_the_password_of_an_account_that_can_sign_in(client, org, owner, someone,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(org, owner, someone.email)
    client.post(link_in(mail.outbox[0]), {"new_password1": "hijacked-passphrase-1", "new_password2": "hijacked-passphrase-1"})
    someone.refresh_from_db()
    assert someone.check_password(TEST_PASSWORD) and not is_member(org, someone)


def test_resend_makes_a_new_link_and_expiry(client, org, owner, someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org, owner, someone.email)
    Invitation.objects.unscoped_for_credential_lookup().filter(pk=invitation.pk).update(
        expires=timezone.now() - timedelta(minutes=1))
    old_link = link_in(mail.outbox[0])
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:invitation_resend", args=[invitation.public_id]), follow=True)
    assert b"earlier link no longer works" in response.content
    new_link = link_in(mail.outbox[1])
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    invitation.refresh_from_db()
    assert invitation.expires > timezone.now() + timedelta(days=6)
    assert actions(org) == ["invitation.created", "invitation.resent"]
    invitations.invitation_accept(org=org, actor=Actor.member(someone), invitation=invitation)
    assert is_member(org, someone)


def test_revoke(client, org, owner, someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org, owner, someone.email)
    client.force_login(owner)
    client.post(reverse("console:invitation_revoke", args=[invitation.public_id]))
    invitation.refresh_from_db()
    assert invitation.status == Status.REVOKED
    assert client.get(link_in(mail.outbox[0])).status_code == 404
    with pytest.raises(ValidationError, match="already revoked"):
        invitations.invitation_accept(org=org, actor=Actor.member(someone), invitation=invitation)
    assert not is_member(org, someone)
    assert actions(org) == ["invitation.created", "invitation.revoked"]
    # Revoked, it no longer blocks a new invitation.
    invite(org, owner, someone.email)


def test_an_expired_invitation_cannot_be_accepted(client, org, owner, someone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(org, owner, someone.email)
    Invitation.objects.unscoped_for_credential_lookup().filter(pk=invitation.pk).update(
        expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        invitations.invitation_accept(org=org, actor=Actor.member(someone), invitation=invitation)
    assert client.get(link_in(mail.outbox[0])).status_code == 404
    client.force_login(someone)
    assert invitation.public_id not in client.get(reverse("console:invitations")).content.decode()
    response = client.post(reverse("console:invitations"), {"invitation": invitation.public_id, "answer": "accept"})
    assert response.status_code == 404 and not is_member(org, someone)
    # Admins still see it, marked expired, to resend or revoke.
    client.force_login(owner)
    assert "Expired" in client.get(reverse("console:members")).content.decode()


def test_inviting_a_member_or_a_pending_invitee_is_refused_with_a_clear_message(owner_client, org, owner, someone):
    response = owner_client.post(reverse("console:member_invite"), {"email": "OWNER@acme.example", "role": "member"},
                                 follow=True)
    assert "The address owner@acme.example is already a member of Acme." in response.content.decode()
    invite(org, owner, someone.email)
    response = owner_client.post(reverse("console:member_invite"), {"email": someone.email.upper(), "role": "member"},
                                 follow=True)
    assert f"An invitation for {someone.email} is already pending" in response.content.decode()
    with org_scope(org):
        assert Invitation.objects.count() == 1


def test_members_page_lists_pending_invitations_with_their_expiry(owner_client, org, owner):
    invitation = invite(org, owner, "new@acme.example")
    page = owner_client.get(reverse("console:members")).content.decode()
    assert 'data-invitation="new@acme.example"' in page
    assert reverse("console:invitation_resend", args=[invitation.public_id]) in page
    assert reverse("console:invitation_revoke", args=[invitation.public_id]) in page


def test_only_owners_invite_resend_or_revoke_owners(org, owner):
    admin = add_member(org, role=Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        invite(org, admin, "boss@acme.example", Role.OWNER)
    invitation = invite(org, owner, "boss@acme.example", Role.OWNER)
    for service in (invitations.invitation_resend, invitations.invitation_revoke):
        with pytest.raises(PermissionDenied):
            service(org=org, actor=Actor.member(admin), invitation=invitation)


def test_a_member_or_an_idp_cannot_invite(org, owner):
    member = add_member(org).user
    for actor in (Actor.member(member), Actor.credential("Okta token (ST1)"), Actor.staff(UserFactory())):
        with pytest.raises(PermissionDenied, match="Only owners and admins manage members"):
            invite(org, actor, "new@acme.example")


def test_staff_invitations_are_audited_as_staff(org, owner):
    staff = UserFactory(email="staff@example.org", is_staff=True)
    invitation = invite(org, Actor.staff(staff, "10.0.0.1"), "boss@acme.example", Role.OWNER)
    assert invitation.invited_by == staff
    with org_scope(org):
        event = AuditEvent.objects.get(action="invitation.created")
    assert (event.actor_kind, event.actor_label, event.detail) == (
        "staff", "staff@example.org", {"email": "boss@acme.example", "role": "owner"})
