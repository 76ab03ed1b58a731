"""Groups: create, read, list, replace, delete, uniqueness, projection and the users' `groups`."""

import json
import re

from django.db import connection

from scim.models import GroupMembership, ProvisioningEvent
from scim.protocol.locations import scim_base_url
from scim.protocol.resources.groups import member_to_scim
from tenants.scoping import org_scope

from .conftest import body_of, group_body, make_users, user_body


def test_create_a_group_with_members_shows_them_by_scim_id(scim):
    ann, bob = make_users(scim, 2)
    response = scim.post("/Groups", group_body("Engineering", [ann, bob], externalId="ext-1"))
    assert response.status_code == 201
    group = body_of(response)
    assert re.fullmatch(r"GR[0-9a-f]{32}", group["id"])
    assert response["Location"].endswith(f"/Groups/{group['id']}")
    assert {m["value"] for m in group["members"]} == {ann, bob}
    member = group["members"][0]
    assert member["type"] == "User" and member["$ref"].endswith(f"/Users/{member['value']}") and member["display"]
    assert group["externalId"] == "ext-1" and group["meta"]["resourceType"] == "Group"
    assert group["meta"]["version"] == response["ETag"]


def test_create_without_members_and_get_by_id(scim):
    group = body_of(scim.post("/Groups", group_body("Empty")))
    fetched = scim.get(f"/Groups/{group['id']}")
    assert fetched.status_code == 200 and body_of(fetched)["members"] == []


def test_display_name_is_required(scim):
    response = scim.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]})
    assert response.status_code == 400 and body_of(response)["scimType"] == "invalidValue"


def test_a_display_name_longer_than_its_column_is_400(scim):
    response = scim.post("/Groups", group_body("x" * 256))
    assert response.status_code == 400 and body_of(response)["scimType"] == "invalidValue"
    assert "at most 255" in body_of(response)["detail"] and body_of(scim.get("/Groups"))["totalResults"] == 0


def test_display_name_is_unique_in_the_org_ignoring_case(scim, other_scim):
    assert scim.post("/Groups", group_body("Sales")).status_code == 201
    duplicate = scim.post("/Groups", group_body("SALES"))
    assert duplicate.status_code == 409 and body_of(duplicate)["scimType"] == "uniqueness"
    assert body_of(duplicate)["detail"] == "A group with displayName SALES already exists."
    assert other_scim.post("/Groups", group_body("Sales")).status_code == 201


def test_external_id_is_unique_in_the_org(scim):
    scim.post("/Groups", group_body("One", externalId="x"))
    duplicate = scim.post("/Groups", group_body("Two", externalId="x"))
    assert duplicate.status_code == 409 and body_of(duplicate)["detail"] == "A group with externalId x already exists."
    assert [group["displayName"] for group in body_of(scim.get("/Groups"))["Resources"]] == ["One"]


def test_a_member_of_another_org_is_refused_like_an_unknown_id_and_nothing_is_written(scim, other_scim, scim_org):
    (foreign,) = make_users(other_scim, 1, prefix="globex")
    refused = scim.post("/Groups", group_body("Mixed", [foreign]))
    unknown = scim.post("/Groups", group_body("Mixed", ["US" + "0" * 32]))
    assert refused.status_code == unknown.status_code == 400
    assert body_of(refused)["scimType"] == "invalidValue"
    assert body_of(refused)["detail"].replace(foreign, "ID") == body_of(unknown)["detail"].replace("US" + "0" * 32, "ID")
    assert body_of(scim.get("/Groups"))["totalResults"] == 0


def test_another_orgs_group_is_a_404(scim, other_scim):
    group = body_of(other_scim.post("/Groups", group_body("Theirs")))
    for method in ("get", "delete"):
        assert getattr(scim, method)(f"/Groups/{group['id']}").status_code == 404
    assert scim.put(f"/Groups/{group['id']}", group_body("Mine")).status_code == 404


def test_put_replaces_name_and_member_set(scim):
    ann, bob, cy = make_users(scim, 3)
    group = body_of(scim.post("/Groups", group_body("Ops", [ann, bob], externalId="old")))
    response = scim.put(f"/Groups/{group['id']}", group_body("Operations", [bob, cy], id=group["id"]))
    replaced = body_of(response)
    assert response.status_code == 200 and replaced["displayName"] == "Operations"
    assert {m["value"] for m in replaced["members"]} == {bob, cy} and "externalId" not in replaced
    assert replaced["meta"]["version"] != group["meta"]["version"]


def test_delete_is_204_and_the_group_is_gone(scim):
    group = body_of(scim.post("/Groups", group_body("Temp", make_users(scim, 1))))
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get(f"/Groups/{group['id']}").status_code == 404


def test_excluded_attributes_members_leaves_them_out(scim):
    group = body_of(scim.post("/Groups", group_body("Quiet", make_users(scim, 1))))
    fetched = body_of(scim.get(f"/Groups/{group['id']}?excludedAttributes=members"))
    assert "members" not in fetched and fetched["displayName"] == "Quiet"
    listed = body_of(scim.get("/Groups?excludedAttributes=members"))
    assert "members" not in listed["Resources"][0]


def test_attributes_members_value_projects_each_member(scim):
    (ann,) = make_users(scim, 1)
    group = body_of(scim.post("/Groups", group_body("Proj", [ann])))
    fetched = body_of(scim.get(f"/Groups/{group['id']}?attributes=members.value"))
    assert fetched["members"] == [{"value": ann}] and "displayName" not in fetched


def test_a_groups_members_are_written_byte_for_byte_as_json_dumps_writes_them(scim):
    names = ['Ann "the" \\ Quoted', "Zoë Åström", "tab\tand\nnewline", "☃ \U0001F600", "</script>"]
    ids = [body_of(scim.post("/Users", user_body(f"u{n}@example.com", displayName=name)))["id"]
           for n, name in enumerate(names)]
    plain = body_of(scim.post("/Users", user_body("plain@example.com")))["id"]  # no displayName: the userName
    group = body_of(scim.post("/Groups", group_body("Escapes", [*ids, plain])))
    body = b"".join(scim.get(f"/Groups/{group['id']}").streaming_content)
    members = [member_to_scim(user_id, name, scim_base_url())
               for user_id, name in zip([*ids, plain], [*names, "plain@example.com"])]
    assert b'"members": ' + json.dumps(members).encode() + b"}" in body


def test_a_groups_get_opens_no_server_side_cursor(scim, monkeypatch):
    """PgBouncer in transaction mode cannot keep a cursor between statements (config/settings.py DATABASE_POOLER)."""
    ann, bob = make_users(scim, 2)
    group = body_of(scim.post("/Groups", group_body("Pooled", [ann, bob])))

    def refuse():
        raise AssertionError("a server-side cursor was opened")

    monkeypatch.setattr(connection, "chunked_cursor", refuse)
    assert [m["value"] for m in body_of(scim.get(f"/Groups/{group['id']}"))["members"]] == [ann, bob]


def test_users_show_their_groups_read_only(scim):
    (ann,) = make_users(scim, 1)
    group = body_of(scim.post("/Groups", group_body("Readers", [ann])))
    user = body_of(scim.get(f"/Users/{ann}"))
    assert user["groups"] == [{"value": group["id"], "display": "Readers",
                               "$ref": group["meta"]["location"], "type": "direct"}]
    scim.put(f"/Users/{ann}", user_body("member0@example.com", groups=[]))
    assert body_of(scim.get(f"/Users/{ann}"))["groups"][0]["value"] == group["id"]


def test_deleting_a_user_removes_them_from_their_groups_and_changes_the_group_version(scim, scim_org):
    ann, bob = make_users(scim, 2)
    group = body_of(scim.post("/Groups", group_body("Leavers", [ann, bob])))
    assert scim.delete(f"/Users/{ann}").status_code == 204
    after = body_of(scim.get(f"/Groups/{group['id']}"))
    assert [m["value"] for m in after["members"]] == [bob]
    assert after["meta"]["version"] != group["meta"]["version"]
    with org_scope(scim_org):
        assert GroupMembership.objects.count() == 1


def test_group_requests_record_the_group_in_the_provisioning_log(scim, scim_org):
    group = body_of(scim.post("/Groups", group_body("Logged")))
    scim.get(f"/Groups/{group['id']}")
    with org_scope(scim_org):
        events = list(ProvisioningEvent.objects.filter(path__startswith="/scim/v2/Groups").order_by("id"))
    assert [event.group_public_id for event in events] == [group["id"], group["id"]]


def test_if_none_match_with_the_current_version_is_304(scim):
    response = scim.post("/Groups", group_body("Cached"))
    group = body_of(response)
    assert scim.get(f"/Groups/{group['id']}", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_if_match_with_an_old_version_is_412(scim):
    group = body_of(scim.post("/Groups", group_body("Locked")))
    scim.put(f"/Groups/{group['id']}", group_body("Locked 2"))
    stale = scim.put(f"/Groups/{group['id']}", group_body("Locked 3"), headers={"If-Match": group["meta"]["version"]})
    assert stale.status_code == 412
