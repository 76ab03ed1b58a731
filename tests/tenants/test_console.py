import pytest
from django.urls import reverse

from tenants.middleware import SESSION_ORG_KEY
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import TEST_PASSWORD, UserFactory, add_member

Role = Membership.Role


def test_sign_in_with_email_in_any_case_and_sign_out(client, owner):
    response = client.post(
        reverse("console:login"), {"username": "Owner@ACME.example", "password": TEST_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == owner
    assert b"Acme" in response.content

    response = client.post(reverse("console:logout"))
    assert response.status_code == 200
    assert client.get(reverse("console:index")).status_code == 302


def test_wrong_password_is_refused(client, owner):
    response = client.post(reverse("console:login"), {"username": owner.email, "password": "wrong"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert b"correct" in response.content


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("console:members"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("console:login"))


def test_deactivated_user_loses_the_session(owner_client, owner):
    assert owner_client.get(reverse("console:index")).status_code == 200
    owner.is_active = False
    owner.save()
    assert owner_client.get(reverse("console:index")).status_code == 302


def test_member_of_several_orgs_picks_one_and_switches(client, org, other_org, owner):
    add_member(other_org, owner, Role.ADMIN)
    client.force_login(owner)
    response = client.get(reverse("console:index"))
    assert response.status_code == 302 and response.url == reverse("console:choose_org")

    page = client.get(reverse("console:choose_org"))
    assert b"Acme" in page.content and b"Globex" in page.content

    client.post(reverse("console:choose_org"), {"org": other_org.public_id})
    assert b"Globex" in client.get(reverse("console:index")).content
    client.post(reverse("console:choose_org"), {"org": org.public_id})
    overview = client.get(reverse("console:index"))
    assert overview.context["org"] == org


def test_choosing_an_org_one_does_not_belong_to_is_ignored(client, org, other_org, owner):
    client.force_login(owner)
    client.post(reverse("console:choose_org"), {"org": other_org.public_id})
    assert client.session.get(SESSION_ORG_KEY) is None
    assert client.get(reverse("console:index")).context["org"] == org


def test_member_role_sees_only_who_the_admins_are(client, org, owner):
    member = add_member(org).user
    client.force_login(member)
    response = client.get(reverse("console:members"))
    assert response.status_code == 403
    assert owner.email.encode() in response.content
    assert b"Invite" not in response.content


def test_members_page_lists_members_and_invites(owner_client, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("console:member_invite"), {"email": "new@acme.example", "role": "admin", "display_name": ""},
            follow=True,
        )
    assert b"Invited new@acme.example: they join once they accept" in response.content
    assert b'data-invitation="new@acme.example"' in owner_client.get(reverse("console:members")).content


def test_invite_form_errors_show_next_to_the_field(owner_client):
    response = owner_client.post(reverse("console:member_invite"), {"email": "not-an-email", "role": "admin"})
    assert response.status_code == 200
    assert response.context["invite_form"].errors["email"]


def test_last_owner_protection_is_a_clear_message(owner_client, org, owner):
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    response = owner_client.post(
        reverse("console:member_change_role", args=[membership.public_id]), {"role": "member"}, follow=True
    )
    assert b"The last owner of Acme" in response.content
    response = owner_client.post(reverse("console:member_remove", args=[membership.public_id]), follow=True)
    assert b"The last owner of Acme" in response.content


def test_remove_asks_for_confirmation_then_removes(owner_client, org):
    membership = add_member(org)
    url = reverse("console:member_remove", args=[membership.public_id])
    confirm = owner_client.get(url)
    assert b"Yes, remove" in confirm.content
    owner_client.post(url)
    with org_scope(org):
        assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_owner_is_told_before_any_confirmation_that_they_cannot_leave(owner_client, owner, org):
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    response = owner_client.get(reverse("console:member_remove", args=[membership.public_id]))
    body = response.content.decode()
    assert "The last owner of Acme" in body
    assert "Yes, remove" not in body and "Yes, leave" not in body and "They lose access" not in body


def test_leaving_is_asked_in_the_first_person_with_a_destructive_button(owner_client, owner, org):
    add_member(org, role=Role.OWNER)
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    body = owner_client.get(reverse("console:member_remove", args=[membership.public_id])).content.decode()
    assert "Leave <strong>Acme</strong>?" in body and 'class="button danger">Yes, leave' in body
    assert 'class="button secondary">No, stay' in body


def test_an_admin_is_told_before_confirming_that_only_an_owner_removes_an_owner(client, org, owner):
    admin = UserFactory()
    add_member(org, admin, Role.ADMIN)
    client.force_login(admin)
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    body = client.get(reverse("console:member_remove", args=[membership.public_id])).content.decode()
    assert "Only an owner can grant, change or remove the owner role." in body and "Yes, remove" not in body


@pytest.mark.parametrize("view", ["console:member_change_role", "console:member_remove"])
def test_another_orgs_member_is_404(owner_client, other_org, view):
    stranger = add_member(other_org, role=Role.OWNER)
    response = owner_client.post(reverse(view, args=[stranger.public_id]), {"role": "member"})
    assert response.status_code == 404
    assert owner_client.post(reverse(view, args=["MB" + "0" * 32]), {"role": "member"}).status_code == 404
    with org_scope(other_org):
        assert Membership.objects.get(pk=stranger.pk).role == Role.OWNER


def test_another_orgs_members_are_not_listed(owner_client, other_org):
    stranger = UserFactory(email="stranger@globex.example")
    add_member(other_org, stranger, Role.OWNER)
    assert b"stranger@globex.example" not in owner_client.get(reverse("console:members")).content


def test_staff_admin_sees_every_org(admin_client, org, other_org):
    add_member(org)
    add_member(other_org)
    response = admin_client.get(reverse("admin:tenants_membership_changelist"))
    assert response.status_code == 200
    assert b"Acme" in response.content and b"Globex" in response.content


def test_staff_admin_change_pages_render(admin_client, org, owner):
    assert admin_client.get(reverse("admin:tenants_organization_change", args=[org.pk])).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_change", args=[owner.pk])).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
