import json
from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import TEST_PASSWORD, UserFactory, add_member

from .conftest import user_body

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def member(scim_org):
    account = UserFactory(email="ann@example.com")
    add_member(scim_org, account, Membership.Role.ADMIN)
    return account


@pytest.fixture
def tokens(scim_org, member):
    with org_scope(scim_org):
        application = get_application_model().objects.create(
            org=scim_org, name="Okta", client_type="confidential", authorization_grant_type="authorization-code",
            redirect_uris="https://idp.example.com/cb",
        )
    access = get_access_token_model().objects.create(
        user=member, application=application, token="access-raw-1", expires=timezone.now() + timedelta(hours=1),
        scope="managed-users/read")
    refresh = get_refresh_token_model().objects.create(
        user=member, application=application, token="refresh-raw-1", access_token=access)
    return access, refresh


def deactivate(scim, user_id, value=False):
    response = scim.patch(f"/Users/{user_id}", {"schemas": [PATCH_OP],
                                                "Operations": [{"op": "replace", "path": "active", "value": value}]})
    assert response.status_code == 200, response.content


def suspended(org, account) -> bool:
    with org_scope(org):
        return Membership.objects.get(user=account).suspended_by_idp


def test_deactivation_ends_this_orgs_console_at_once_and_revokes_its_tokens(client, scim, scim_org, member, tokens):
    console = type(client)()
    console.post("/console/login/", {"username": "ann@example.com", "password": TEST_PASSWORD})
    assert console.get("/console/").status_code == 200
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id, "False")
    member.refresh_from_db()
    assert member.is_active is True  # the account is global: never this org's IdP's to switch off
    assert suspended(scim_org, member)
    assert not get_access_token_model().objects.filter(user=member).exists()
    assert get_refresh_token_model().objects.get(pk=tokens[1].pk).revoked is not None
    # Still signed in, but this org's console is refused from the next request on.
    response = console.get("/console/")
    assert response.status_code == 302 and response["Location"] == "/console/choose-org/"
    assert console.get("/console/members/").status_code == 302
    assert "Acme SCIM" not in console.get("/console/choose-org/").content.decode()


def test_reactivation_clears_only_the_suspension(scim, scim_org, member):
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id)
    deactivate(scim, user_id, True)
    member.refresh_from_db()
    assert member.is_active is True and not suspended(scim_org, member)


def test_reactivation_never_undoes_a_staff_disable(scim, scim_org, member):
    """Staff disabled the account (is_active False); the IdP's reactivation must not switch it back on."""
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id)
    type(member).objects.filter(pk=member.pk).update(is_active=False)  # staff, in /admin/
    deactivate(scim, user_id, True)
    member.refresh_from_db()
    assert member.is_active is False
    assert not suspended(scim_org, member)


def test_a_staff_disabled_account_stays_disabled_through_a_whole_idp_cycle(scim, scim_org, member):
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com", active=False)).content)["id"]
    deactivate(scim, user_id, True)
    member.refresh_from_db()
    assert member.is_active is False


def test_put_with_active_false_suspends_too(scim, scim_org, member):
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    scim.put(f"/Users/{user_id}", user_body("ann@example.com", active=False))
    member.refresh_from_db()
    assert member.is_active is True and suspended(scim_org, member)


def test_an_account_in_another_org_is_untouched(scim, other_scim_org):
    outsider = UserFactory(email="ann@example.com")
    add_member(other_scim_org, outsider)
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id)
    outsider.refresh_from_db()
    assert outsider.is_active is True and not suspended(other_scim_org, outsider)


def _audit_rows(org):
    from tenants.models import AuditEvent

    with org_scope(org):
        return list(AuditEvent.objects.filter(action__startswith="scim_user.").order_by("id")
                    .values_list("action", "actor_kind", "actor_label", "object_id"))


def _credential_label(org, name="Okta"):
    from oauthapps.models import ScimToken

    with org_scope(org):
        token = ScimToken.objects.get(name=name)
    return f'SCIM token "{name}" ({token.public_id})'


def test_idp_deactivation_and_reactivation_are_audited_with_the_credential_as_actor(scim, scim_org, member):
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    scim.patch(f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title",
                                                                            "value": "CTO"}]})
    deactivate(scim, user_id)
    deactivate(scim, user_id, False)  # already deactivated: nothing new to record
    deactivate(scim, user_id, True)
    label = _credential_label(scim_org)
    assert _audit_rows(scim_org) == [
        ("scim_user.deactivated", "credential", label, user_id),
        ("scim_user.reactivated", "credential", label, user_id),
    ]


def test_idp_deactivation_by_put_is_audited_too(scim, scim_org):
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    assert scim.put(f"/Users/{user_id}", user_body("ann@example.com", active=False)).status_code == 200
    assert [row[:3] for row in _audit_rows(scim_org)] == [
        ("scim_user.deactivated", "credential", _credential_label(scim_org))]


def test_a_person_in_two_orgs_keeps_the_account_and_the_other_orgs_tokens(scim, scim_org, other_scim_org, member,
                                                                           tokens):
    add_member(other_scim_org, member)
    with org_scope(other_scim_org):
        theirs = get_application_model().objects.create(
            org=other_scim_org, name="Theirs", client_type="confidential",
            authorization_grant_type="authorization-code", redirect_uris="https://idp.example.com/cb")
    their_access = get_access_token_model().objects.create(
        user=member, application=theirs, token="access-raw-2", expires=timezone.now() + timedelta(hours=1),
        scope="managed-users/read")
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id)
    member.refresh_from_db()
    # This org's IdP ends what this org issued; the account and what another org issued stay.
    assert member.is_active is True
    assert suspended(scim_org, member) and not suspended(other_scim_org, member)
    assert not get_access_token_model().objects.filter(pk=tokens[0].pk).exists()
    assert get_refresh_token_model().objects.get(pk=tokens[1].pk).revoked is not None
    assert get_access_token_model().objects.filter(pk=their_access.pk).exists()


# --- Issue 12: one org must never reach into another ---------------------------------------------

def _auth_code_token(org, account, raw):
    """A live auth-code access token `account` approved for an application of `org`."""
    with org_scope(org):
        application = get_application_model().objects.create(
            org=org, name=f"Okta {org.name}", client_type="confidential",
            authorization_grant_type="authorization-code", redirect_uris="https://idp.example.com/cb",
            allowed_scopes=["managed-users/list", "managed-users/read"])
    get_access_token_model().objects.create(
        user=account, application=application, token=raw, expires=timezone.now() + timedelta(hours=1),
        scope="managed-users/list managed-users/read")
    return application


def _scim_get_users(raw):
    from django.test import Client

    return Client().get("/scim/v2/Users", headers={"Authorization": f"Bearer {raw}"})


def test_org_b_cannot_lock_org_as_owner_out(client, scim_org, other_scim_org, other_scim):
    """B's owner invites A's owner, B's IdP creates and deactivates that userName: A's owner keeps
    their account, A's console and A's auth-code tokens (issue 12, the attack end to end)."""
    from django.test import Client

    alice = UserFactory(email="alice@example.com")  # A's owner
    add_member(scim_org, alice, Membership.Role.OWNER)
    bob = UserFactory(email="bob@example.com")  # B's owner
    add_member(other_scim_org, bob, Membership.Role.OWNER)
    _auth_code_token(scim_org, alice, "a-auth-code-access")
    assert _scim_get_users("a-auth-code-access").status_code == 200

    b_console = Client()
    b_console.force_login(bob)
    assert b_console.post("/console/members/invite/", {"email": "alice@example.com", "role": "member"}).status_code == 302
    # An invitation, not a membership: nothing of B reaches alice until she accepts.
    with org_scope(other_scim_org):
        assert not Membership.objects.filter(user=alice).exists()
    user_id = json.loads(other_scim.post("/Users", user_body("alice@example.com")).content)["id"]
    deactivate(other_scim, user_id)

    alice.refresh_from_db()
    assert alice.is_active is True
    assert not suspended(scim_org, alice)
    a_console = Client()
    assert a_console.post("/console/login/", {"username": "alice@example.com", "password": TEST_PASSWORD}).status_code == 302
    assert a_console.get("/console/").status_code == 200
    assert a_console.get("/console/members/").status_code == 200
    assert _scim_get_users("a-auth-code-access").status_code == 200


def test_a_suspended_member_loses_bs_console_at_once_and_keeps_as(scim_org, other_scim_org, other_scim):
    """A person in A and B whom B's IdP deactivates: B's console, B's consent and B's auth-code tokens end
    at once; A's stay; B's reactivation gives B's back."""
    from django.test import Client

    from oauthapps.validators import approver_may_still_act

    carol = UserFactory(email="carol@example.com")
    add_member(scim_org, carol, Membership.Role.OWNER)
    add_member(other_scim_org, carol, Membership.Role.ADMIN)
    _auth_code_token(scim_org, carol, "a-access")
    b_app = _auth_code_token(other_scim_org, carol, "b-access")
    console = Client()
    console.post("/console/login/", {"username": "carol@example.com", "password": TEST_PASSWORD})
    assert console.post("/console/choose-org/", {"org": other_scim_org.public_id}).status_code == 302
    assert console.get("/console/members/").context["org"] == other_scim_org

    user_id = json.loads(other_scim.post("/Users", user_body("carol@example.com")).content)["id"]
    deactivate(other_scim, user_id)

    # The very next request: B's console is refused; the picker offers A only, whose console works.
    response = console.get("/console/members/")
    assert response.status_code == 302 and response["Location"] == "/console/choose-org/"
    picker = console.get("/console/choose-org/")
    assert [m.org for m in picker.context["memberships"]] == [scim_org]
    assert console.post("/console/choose-org/", {"org": other_scim_org.public_id}).status_code == 200  # ignored
    assert console.post("/console/choose-org/", {"org": scim_org.public_id}).status_code == 302
    assert console.get("/console/members/").context["org"] == scim_org
    # B's auth-code token is gone and B's consent is refused; A's token works.
    assert _scim_get_users("b-access").status_code == 401
    assert not approver_may_still_act(carol, b_app)
    assert _scim_get_users("a-access").status_code == 200
    carol.refresh_from_db()
    assert carol.is_active is True

    deactivate(other_scim, user_id, True)
    assert approver_may_still_act(carol, b_app)
    assert console.post("/console/choose-org/", {"org": other_scim_org.public_id}).status_code == 302
    assert console.get("/console/members/").context["org"] == other_scim_org
