"""PATCH /Groups/{id}: every member and rename shape Okta and Entra send, all-or-nothing, 204."""

import pytest

from .conftest import body_of, group_body, make_users

PATCH_SCHEMA = ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]


def patch(scim, group_id, *operations, query=""):
    return scim.patch(f"/Groups/{group_id}{query}", {"schemas": PATCH_SCHEMA, "Operations": list(operations)})


def member_ids(scim, group_id):
    return {m["value"] for m in body_of(scim.get(f"/Groups/{group_id}"))["members"]}


@pytest.fixture
def team(scim):
    ann, bob, cy = make_users(scim, 3)
    group = body_of(scim.post("/Groups", group_body("Team", [ann, bob])))
    return group["id"], ann, bob, cy


def test_add_members_is_204_without_a_body(scim, team):
    group_id, ann, bob, cy = team
    response = patch(scim, group_id, {"op": "add", "path": "members", "value": [{"value": cy, "display": "c"}]})
    assert response.status_code == 204 and response.content == b"" and response["ETag"]
    assert member_ids(scim, group_id) == {ann, bob, cy}


def test_adding_an_existing_member_is_a_no_op(scim, team):
    group_id, ann, bob, _ = team
    assert patch(scim, group_id, {"op": "add", "path": "members", "value": [{"value": ann}]}).status_code == 204
    assert member_ids(scim, group_id) == {ann, bob}


def test_remove_with_a_filter_path(scim, team):
    group_id, ann, bob, _ = team
    patch(scim, group_id, {"op": "remove", "path": f'members[value eq "{ann}"]'})
    assert member_ids(scim, group_id) == {bob}


def test_entra_remove_with_path_members_and_a_value_list_removes_only_those(scim, team):
    group_id, ann, bob, _ = team
    patch(scim, group_id, {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": ann}]})
    assert member_ids(scim, group_id) == {bob}


def test_remove_with_path_members_and_no_value_removes_all(scim, team):
    group_id, *_ = team
    patch(scim, group_id, {"op": "remove", "path": "members"})
    assert member_ids(scim, group_id) == set()


def test_replace_members_sets_the_new_set(scim, team):
    group_id, ann, bob, cy = team
    patch(scim, group_id, {"op": "replace", "path": "members", "value": [{"value": cy}]})
    assert member_ids(scim, group_id) == {cy}
    patch(scim, group_id, {"op": "replace", "path": "members", "value": []})
    assert member_ids(scim, group_id) == set()


def test_replace_display_name_with_a_path_and_capitalised_op(scim, team):
    group_id, *_ = team
    assert patch(scim, group_id, {"op": "Replace", "path": "displayName", "value": "Renamed"}).status_code == 204
    assert body_of(scim.get(f"/Groups/{group_id}"))["displayName"] == "Renamed"


def test_okta_rename_without_a_path_repeating_the_id(scim, team):
    group_id, ann, bob, _ = team
    patch(scim, group_id, {"op": "replace", "value": {"id": group_id, "displayName": "Okta Name"}})
    group = body_of(scim.get(f"/Groups/{group_id}"))
    assert group["displayName"] == "Okta Name" and {m["value"] for m in group["members"]} == {ann, bob}


def test_several_operations_apply_in_order(scim, team):
    group_id, ann, bob, cy = team
    patch(scim, group_id, {"op": "remove", "path": f'members[value eq "{ann}"]'},
          {"op": "add", "path": "members", "value": [{"value": cy}, {"value": ann}]},
          {"op": "remove", "path": "members", "value": [{"value": bob}]})
    assert member_ids(scim, group_id) == {ann, cy}


def test_attributes_requested_gives_200_with_the_group(scim, team):
    group_id, ann, bob, cy = team
    response = patch(scim, group_id, {"op": "add", "path": "members", "value": [{"value": cy}]},
                     query="?attributes=displayName")
    assert response.status_code == 200 and body_of(response) == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": group_id, "displayName": "Team"}


def test_member_writes_change_the_version(scim, team):
    group_id, ann, *_ = team
    before = body_of(scim.get(f"/Groups/{group_id}"))["meta"]["version"]
    response = patch(scim, group_id, {"op": "remove", "path": "members", "value": [{"value": ann}]})
    assert response["ETag"] != before and body_of(scim.get(f"/Groups/{group_id}"))["meta"]["version"] == response["ETag"]


def test_an_unknown_member_fails_the_whole_patch(scim, team):
    group_id, ann, bob, cy = team
    response = patch(scim, group_id, {"op": "replace", "path": "displayName", "value": "Changed"},
                     {"op": "add", "path": "members", "value": [{"value": cy}, {"value": "US" + "f" * 32}]})
    assert response.status_code == 400 and body_of(response)["scimType"] == "invalidValue"
    group = body_of(scim.get(f"/Groups/{group_id}"))
    assert group["displayName"] == "Team" and {m["value"] for m in group["members"]} == {ann, bob}


def test_another_orgs_user_as_member_is_refused_and_reveals_nothing(scim, other_scim, team):
    group_id, ann, bob, _ = team
    (foreign,) = make_users(other_scim, 1, prefix="globex")
    response = patch(scim, group_id, {"op": "add", "path": "members", "value": [{"value": foreign}]})
    unknown = patch(scim, group_id, {"op": "add", "path": "members", "value": [{"value": "US" + "0" * 32}]})
    assert response.status_code == 400 and body_of(response)["scimType"] == "invalidValue"
    assert body_of(response)["detail"].replace(foreign, "X") == body_of(unknown)["detail"].replace("US" + "0" * 32, "X")
    assert member_ids(scim, group_id) == {ann, bob}


def test_rename_to_an_existing_name_is_409_and_writes_nothing(scim, team):
    group_id, ann, bob, cy = team
    scim.post("/Groups", group_body("Taken"))
    response = patch(scim, group_id, {"op": "add", "path": "members", "value": [{"value": cy}]},
                     {"op": "replace", "path": "displayName", "value": "TAKEN"})
    assert response.status_code == 409
    assert body_of(response)["detail"] == "A group with displayName TAKEN already exists."
    assert member_ids(scim, group_id) == {ann, bob}


@pytest.mark.parametrize("operation", [
    {"op": "remove", "path": "displayName"},
    {"op": "move", "path": "members", "value": []},
    {"op": "add", "path": 'members[value eq "x"]', "value": []},
    {"op": "remove", "path": 'members[display eq "x"]'},
    {"op": "replace", "path": "description", "value": "x"},
    {"op": "add", "path": "members", "value": [{"display": "no value"}]},
    {"op": "replace", "value": "not an object"},
])
def test_malformed_operations_are_400(scim, team, operation):
    group_id, *_ = team
    response = patch(scim, group_id, operation)
    assert response.status_code == 400 and body_of(response)["scimType"]


def test_external_id_can_be_replaced_and_removed(scim, team):
    group_id, *_ = team
    patch(scim, group_id, {"op": "replace", "path": "externalId", "value": "e1"})
    assert body_of(scim.get(f"/Groups/{group_id}"))["externalId"] == "e1"
    patch(scim, group_id, {"op": "remove", "path": "externalId"})
    assert "externalId" not in body_of(scim.get(f"/Groups/{group_id}"))
