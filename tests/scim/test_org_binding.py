"""Every public service and selector of the directory is bound to the org it is given
(tests/org_binding.py explains the checks). Both orgs hold the same kinds of rows, and one person is
a member of both, with a SCIM user, e-mails, group memberships and OAuth tokens in each."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from scim import selectors
from scim.models import ProvisioningEvent
from scim.services import groups, provisioning, users
from scim.values import GroupValues, MemberStep, UserValues
from tenants.audit import Actor
from tenants.scoping import org_scope
from tests import org_binding
from tests.factories import UserFactory, add_member

from .conftest import open_org

MODULES = [users, groups, provisioning, selectors]
# Functions that span orgs on purpose, with the reason.
CROSS_ORG = {
    "scim.services.provisioning.provisioning_events_prune":
        "the daily retention job deletes every org's old events in one statement",
}
SYSTEM = Actor.system()


def user_values(user_name, **fields):
    return UserValues(fields={"user_name": user_name, **fields},
                      emails=[{"value": user_name, "type": "work", "primary": True}])


def _tokens_for(org, person, label):
    with org_scope(org):
        application = get_application_model().objects.create(
            org=org, name=f"{label} app", client_type="confidential", authorization_grant_type="authorization-code",
            redirect_uris="https://idp.example.com/cb")
    access = get_access_token_model().objects.create(
        user=person, application=application, token=f"{label}-access", scope="managed-users/read",
        expires=timezone.now() + timedelta(hours=1))
    get_refresh_token_model().objects.create(user=person, application=application, token=f"{label}-refresh",
                                             access_token=access)


@pytest.fixture
def world(db):
    """Two orgs with the same rows: SCIM users (one of them the shared person), their e-mails, a group
    with both as members, provisioning events, and OAuth tokens issued to the shared person."""
    shared = UserFactory(email="shared@example.com")
    state = {"shared": shared}
    for key, name in (("a", "Acme"), ("b", "Globex")):
        org = open_org(name)
        add_member(org, shared, "member")
        _tokens_for(org, shared, key)
        person = users.scim_user_create(org=org, actor=SYSTEM, values=user_values("shared@example.com"))
        solo = users.scim_user_create(org=org, actor=SYSTEM, values=user_values(f"solo-{key}@example.com"))
        team = groups.group_create(org=org, actor=SYSTEM, values=GroupValues(
            fields={"display_name": "Team"}, member_ids=[person.public_id, solo.public_id]))
        provisioning.provisioning_event_record(org=org, method="POST", path="/scim/v2/Users", credential_name="Okta",
                                               status=201, user_public_id=person.public_id)
        state.update({key: org, f"{key}_person": person, f"{key}_solo": solo, f"{key}_team": team})
    return state


def _deactivated(user):
    return UserValues(fields={"user_name": user.user_name, "active": False},
                      emails=[{"value": e.value, "type": e.type, "primary": e.primary} for e in user.emails.all()])


CALLS = {
    # services
    "scim.services.users.scim_user_create": lambda w: users.scim_user_create(
        org=w["a"], actor=SYSTEM, values=user_values("new@example.com")),
    "scim.services.users.scim_user_replace": lambda w: users.scim_user_replace(
        org=w["a"], actor=SYSTEM, public_id=w["a_person"].public_id,
        values=user_values("shared@example.com", display_name="Shared", active=False)),
    "scim.services.users.scim_user_update": lambda w: users.scim_user_update(
        org=w["a"], actor=SYSTEM, public_id=w["a_person"].public_id, change=_deactivated),
    "scim.services.users.scim_user_delete": lambda w: users.scim_user_delete(
        org=w["a"], actor=SYSTEM, public_id=w["a_person"].public_id),
    "scim.services.users.scim_user_deactivate": lambda w: users.scim_user_deactivate(
        org=w["a"], actor=SYSTEM, public_id=w["a_person"].public_id),
    "scim.services.users.user_count_compact": lambda w: users.user_count_compact(org=w["a"]),
    "scim.services.groups.group_create": lambda w: groups.group_create(
        org=w["a"], actor=SYSTEM, values=GroupValues(fields={"display_name": "New"},
                                                     member_ids=[w["a_person"].public_id])),
    "scim.services.groups.group_replace": lambda w: groups.group_replace(
        org=w["a"], actor=SYSTEM, public_id=w["a_team"].public_id,
        values=GroupValues(fields={"display_name": "Renamed"}, member_ids=[w["a_solo"].public_id])),
    "scim.services.groups.group_update": lambda w: groups.group_update(
        org=w["a"], actor=SYSTEM, public_id=w["a_team"].public_id, fields={"external_id": "x"},
        steps=[MemberStep("remove", [w["a_person"].public_id]), MemberStep("remove_all")]),
    "scim.services.groups.group_delete": lambda w: groups.group_delete(
        org=w["a"], actor=SYSTEM, public_id=w["a_team"].public_id),
    "scim.services.provisioning.provisioning_event_record": lambda w: provisioning.provisioning_event_record(
        org=w["a"], method="GET", path="/scim/v2/Users", credential_name="Okta", status=200),
    # selectors
    "scim.selectors.scim_user_get": lambda w: selectors.scim_user_get(org=w["a"], public_id=w["a_person"].public_id),
    "scim.selectors.scim_users_page": lambda w: selectors.scim_users_page(
        org=w["a"], condition=None, ordering=["id"], start_index=1, count=10),
    "scim.selectors.scim_user_count": lambda w: selectors.scim_user_count(org=w["a"]),
    "scim.selectors.scim_users_equal": lambda w: selectors.scim_users_equal(
        org=w["a"], field="user_name", value="shared@example.com"),
    "scim.selectors.scim_users_starting_with": lambda w: selectors.scim_users_starting_with(
        org=w["a"], prefix="shared", count=10),
    "scim.selectors.scim_user_welcome_address": lambda w: selectors.scim_user_welcome_address(
        org=w["a"], user_pk=w["a_person"].pk),
    "scim.selectors.directory_users_page": lambda w: selectors.directory_users_page(org=w["a"], query="example"),
    "scim.selectors.directory_user": lambda w: selectors.directory_user(org=w["a"], public_id=w["a_person"].public_id),
    "scim.selectors.directory_counts": lambda w: selectors.directory_counts(org=w["a"]),
    "scim.selectors.group_get": lambda w: selectors.group_get(org=w["a"], public_id=w["a_team"].public_id),
    "scim.selectors.groups_page": lambda w: selectors.groups_page(
        org=w["a"], condition=None, ordering=["id"], start_index=1, count=10),
    "scim.selectors.group_member_chunks": lambda w: selectors.group_member_chunks(org=w["a"], group=w["a_team"]),
    # B's group pk is asked for too: it must not be answered.
    "scim.selectors.members_by_group": lambda w: selectors.members_by_group(
        org=w["a"], group_pks=[w["a_team"].pk, w["b_team"].pk]),
    "scim.selectors.directory_groups": lambda w: selectors.directory_groups(org=w["a"], query="team"),
    "scim.selectors.directory_group": lambda w: selectors.directory_group(org=w["a"], public_id=w["a_team"].public_id),
    "scim.selectors.group_members": lambda w: selectors.group_members(org=w["a"], group=w["a_team"]),
    "scim.selectors.provisioning_events": lambda w: selectors.provisioning_events(org=w["a"], query="Users"),
    # B's user and group ids are asked for too: they must not be named.
    "scim.selectors.provisioning_event_names": lambda w: selectors.provisioning_event_names(
        org=w["a"], events=list(selectors.provisioning_events(org=w["a"])) + list(_events_of(w["b"]))),
    "scim.selectors.user_provisioning_history": lambda w: selectors.user_provisioning_history(
        org=w["a"], public_id=w["a_person"].public_id),
}


test_every_public_function_is_bound_to_its_org, test_call_reaches_no_other_org = org_binding.binding_tests(
    MODULES, CROSS_ORG, CALLS)


def _events_of(org):
    with org_scope(org):
        return list(ProvisioningEvent.objects.all())


def test_provisioning_event_names_names_only_this_orgs_users_and_groups(world):
    foreign = [event for event in _events_of(world["b"]) if event.user_public_id or event.group_public_id]
    assert foreign, "the world has B's events naming B's users or groups"
    assert selectors.provisioning_event_names(org=world["a"], events=foreign) == {}


def test_members_by_group_answers_only_this_orgs_groups(world):
    members = selectors.members_by_group(org=world["a"], group_pks=[world["a_team"].pk, world["b_team"].pk])
    assert set(members) == {world["a_team"].pk}


@pytest.mark.parametrize("call", [
    lambda w: users.scim_user_replace(org=w["a"], actor=SYSTEM, public_id=w["b_person"].public_id,
                                      values=user_values("shared@example.com")),
    lambda w: users.scim_user_delete(org=w["a"], actor=SYSTEM, public_id=w["b_person"].public_id),
    lambda w: groups.group_delete(org=w["a"], actor=SYSTEM, public_id=w["b_team"].public_id),
    lambda w: selectors.scim_user_get(org=w["a"], public_id=w["b_person"].public_id),
    lambda w: selectors.group_members(org=w["a"], group=w["b_team"]),
    lambda w: selectors.directory_group(org=w["a"], public_id=w["b_team"].public_id),
])
def test_another_orgs_id_or_row_is_not_found(world, call):
    from tenants.errors import NotFound

    with pytest.raises(NotFound):
        call(world)


def test_another_orgs_user_cannot_join_a_group(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="No user of this organization"):
        groups.group_update(org=world["a"], actor=SYSTEM, public_id=world["a_team"].public_id, fields={},
                            steps=[MemberStep("add", [world["b_solo"].public_id])])
