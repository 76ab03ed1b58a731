"""Management API keys: created in the console (shown once, stored hashed, prefix visible, read or
read-write, a role, an expiry), revoked there, resolved to their org only while they may act."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from oauthapps import scopes
from oauthapps.credentials import api_key_principal
from oauthapps.models import ApiKey, hash_bearer_token
from oauthapps.services import api_key_create, api_key_revoke, scim_token_create
from tenants.audit import Actor, ActorKind
from tenants.models import AuditEvent, Membership
from tenants.scoping import org_scope
from tenants.services import membership_change_role, membership_remove

from .test_console import shown


def key_form(client, **fields):
    generation = client.get(reverse("console:api_keys")).context["generation"]
    return {"generation": generation, "name": "Terraform", "access": "read_write", "role": "admin",
            "lifetime": "90", **fields}


def test_a_key_is_shown_once_stored_hashed_and_listed_by_its_prefix(owner_client, org):
    form = key_form(owner_client)
    response = owner_client.post(reverse("console:api_key_new"), form)
    raw = shown(response, "api-key")
    assert "no-store" in response["Cache-Control"]
    with org_scope(org):
        key = ApiKey.objects.get()
    assert key.key_hash == hash_bearer_token(raw) and raw not in (key.key_hash, key.prefix)
    assert raw.startswith(key.prefix) and len(key.prefix) < len(raw) // 2
    assert key.access == "read_write" and key.role == "admin"
    assert timedelta(days=89) < key.expires - timezone.now() <= timedelta(days=90)
    listing = owner_client.get(reverse("console:api_keys")).content.decode()
    assert key.prefix in listing and raw not in listing
    # A reload of the Copy-the-key page re-posts the form: nothing new, no secret.
    again = owner_client.post(reverse("console:api_key_new"), form)
    assert "already created an API key" in again.content.decode() and raw not in again.content.decode()
    with org_scope(org):
        assert ApiKey.objects.count() == 1
        assert AuditEvent.objects.filter(action="api_key.created").count() == 1


def test_a_key_that_never_expires(owner_client, org):
    owner_client.post(reverse("console:api_key_new"), key_form(owner_client, lifetime=""))
    with org_scope(org):
        assert ApiKey.objects.get().expires is None


def test_an_admin_cannot_create_an_owner_key(client, org, admin):
    client.force_login(admin)
    response = client.post(reverse("console:api_key_new"), key_form(client, role="owner"))
    assert response.status_code == 400 and "Only an owner" in response.content.decode()
    with org_scope(org):
        assert not ApiKey.objects.exists()


def test_revoking_a_key_in_the_console_ends_it_and_is_audited(owner_client, org, owner):
    key, raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read", role="admin")
    assert api_key_principal(raw) is not None
    owner_client.post(reverse("console:api_key_revoke", args=[key.public_id]))
    assert api_key_principal(raw) is None
    with org_scope(org):
        assert AuditEvent.objects.filter(action="api_key.revoked", object_id=key.public_id).exists()
    assert "CI" not in owner_client.get(reverse("console:api_keys")).content.decode().split('id="api-keys"')[1]


def test_another_orgs_key_cannot_be_revoked(owner_client, other_org):
    from tests.factories import UserFactory, add_member

    globex_owner = add_member(other_org, UserFactory(), Membership.Role.OWNER).user
    key, raw = api_key_create(org=other_org, actor=Actor.member(globex_owner), name="G", access="read", role="admin")
    assert owner_client.post(reverse("console:api_key_revoke", args=[key.public_id])).status_code == 404
    assert api_key_principal(raw) is not None


def test_a_key_acts_as_a_credential_with_its_role(org, owner):
    _key, raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read_write", role="admin")
    principal = api_key_principal(raw, "192.0.2.7")
    assert principal.org == org
    assert principal.actor.kind == ActorKind.CREDENTIAL and principal.actor.role == "admin"
    assert principal.actor.label.startswith('API key "CI" (AK') and principal.actor.address == "192.0.2.7"


def test_an_expired_key_is_refused(org, owner):
    _key, raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read", role="admin",
                               expires=timezone.now() + timedelta(hours=1))
    assert api_key_principal(raw) is not None
    with freeze_time(timezone.now() + timedelta(hours=2)):
        assert api_key_principal(raw) is None


def test_a_key_acts_no_more_than_its_creator_may(org, owner, admin):
    _key, raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read_write", role="owner")
    with org_scope(org):
        owner_membership = Membership.objects.get(user=owner)
        admin_membership = Membership.objects.get(user=admin)
    membership_change_role(org=org, actor=Actor.system(), membership=admin_membership, role="owner")
    membership_change_role(org=org, actor=Actor.system(), membership=owner_membership, role="admin")
    assert api_key_principal(raw).actor.role == "admin"  # its creator is an admin now
    membership_change_role(org=org, actor=Actor.system(), membership=owner_membership, role="member")
    assert api_key_principal(raw) is None
    membership_change_role(org=org, actor=Actor.system(), membership=owner_membership, role="owner")
    assert api_key_principal(raw).actor.role == "owner"
    membership_remove(org=org, actor=Actor.system(), membership=owner_membership)
    assert api_key_principal(raw) is None


def test_a_key_of_a_deactivated_creator_is_refused(org, owner):
    _key, raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read", role="admin")
    owner.is_active = False
    owner.save()
    assert api_key_principal(raw) is None


def test_a_scim_token_is_no_api_key(org, owner):
    _token, raw = scim_token_create(org=org, actor=Actor.member(owner), name="Okta", scopes=[scopes.READ])
    assert api_key_principal(raw) is None


@pytest.mark.parametrize("fields, message", [
    ({"access": "admin"}, "Unknown access"),
    ({"role": "member"}, "Unknown role"),
    ({"expires": "soon"}, "at least 15 minutes"),
])
def test_invalid_keys_are_refused(org, owner, fields, message):
    from django.core.exceptions import ValidationError

    arguments = {"name": "CI", "access": "read", "role": "admin", **fields}
    if arguments.get("expires") == "soon":
        arguments["expires"] = timezone.now() + timedelta(minutes=5)
    with pytest.raises(ValidationError, match=message):
        api_key_create(org=org, actor=Actor.member(owner), **arguments)


def test_revoking_twice_records_once(org, owner):
    key, _raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read", role="admin")
    api_key_revoke(org=org, actor=Actor.member(owner), key=key)
    api_key_revoke(org=org, actor=Actor.member(owner), key=key)
    with org_scope(org):
        assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_last_used_is_recorded_at_most_once_a_minute(org, owner, django_assert_max_num_queries):
    _key, raw = api_key_create(org=org, actor=Actor.member(owner), name="CI", access="read", role="admin")
    api_key_principal(raw)
    with org_scope(org):
        first = ApiKey.objects.get().last_used
    assert first is not None
    with django_assert_max_num_queries(2):  # the key, its creator's role; no write
        api_key_principal(raw)
    with org_scope(org):
        assert ApiKey.objects.get().last_used == first
