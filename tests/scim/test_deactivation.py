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


def test_deactivation_ends_console_sessions_and_revokes_tokens_at_once(client, scim, member, tokens):
    console = type(client)()
    console.post("/console/login/", {"username": "ann@example.com", "password": TEST_PASSWORD})
    assert console.get("/console/").status_code == 200
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id, "False")
    member.refresh_from_db()
    assert member.is_active is False
    assert not get_access_token_model().objects.filter(user=member).exists()
    assert get_refresh_token_model().objects.get(pk=tokens[1].pk).revoked is not None
    assert console.get("/console/").status_code == 302  # sent back to sign-in


def test_reactivation_restores_access(scim, member):
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id)
    deactivate(scim, user_id, True)
    member.refresh_from_db()
    assert member.is_active is True


def test_put_with_active_false_deactivates_too(scim, member):
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    scim.put(f"/Users/{user_id}", user_body("ann@example.com", active=False))
    member.refresh_from_db()
    assert member.is_active is False


def test_an_account_in_another_org_is_untouched(scim, other_scim_org):
    outsider = UserFactory(email="ann@example.com")
    add_member(other_scim_org, outsider)
    user_id = json.loads(scim.post("/Users", user_body("ann@example.com")).content)["id"]
    deactivate(scim, user_id)
    outsider.refresh_from_db()
    assert outsider.is_active is True


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
    assert not get_access_token_model().objects.filter(pk=tokens[0].pk).exists()
    assert get_refresh_token_model().objects.get(pk=tokens[1].pk).revoked is not None
    assert get_access_token_model().objects.filter(pk=their_access.pk).exists()
