"""Every SCIM directory change emits its event (scim.directory_events), in the change's transaction."""

import pytest

from events.models import Event
from scim import directory_events
from scim.services.users import scim_user_deactivate
from tenants.audit import Actor
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import UserFactory, add_member

from .conftest import body_of, count_queries_of, group_body, make_users, user_body

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ACTOR = '"Okta"'  # the credential's name is in its label


def events(org, type=None) -> list[Event]:
    with org_scope(org):
        rows = Event.objects.order_by("sequence")
        return list(rows.filter(type=type) if type else rows)


def patch(scim, path, *operations, status=None):
    response = scim.patch(path, {"schemas": [PATCH_OP], "Operations": list(operations)})
    if status is not None:
        assert response.status_code == status, response.content
    return response


def create_user(scim, name="ann@example.com", **extra):
    response = scim.post("/Users", user_body(name, **extra))
    assert response.status_code == 201, response.content
    return body_of(response)


def create_group(scim, name="Engineering", member_ids=()):
    response = scim.post("/Groups", group_body(name, member_ids))
    assert response.status_code == 201, response.content
    return body_of(response)


def test_user_created_carries_the_resource_as_scim_renders_it_and_the_credential(scim, scim_org):
    created = create_user(scim)
    [event] = events(scim_org)
    assert (event.type, event.resource_type, event.resource_id) == ("user.created", "User", created["id"])
    assert event.data == {"resource": created} == {"resource": body_of(scim.get(f"/Users/{created['id']}"))}
    assert ACTOR in event.actor_label


def test_user_updated_names_the_changed_attributes_sorted(scim, scim_org):
    user = create_user(scim)
    patched = body_of(patch(scim, f"/Users/{user['id']}",
                            {"op": "replace", "path": "title", "value": "CTO"},
                            {"op": "replace", "path": "name.givenName", "value": "Ann"},
                            {"op": "add", "path": f"{ENTERPRISE}:department", "value": "R&D"}, status=200))
    [event] = events(scim_org, "user.updated")
    assert event.data["changed"] == ["name", "title", f"{ENTERPRISE}:department"]
    assert event.data["resource"] == patched
    assert event.resource_id == user["id"]


def test_a_user_put_emits_user_updated_with_what_it_changed(scim, scim_org):
    user = create_user(scim)
    replaced = body_of(scim.put(f"/Users/{user['id']}", user_body("ann@example.com", displayName="Ann",
                                                                   emails=[{"value": "ann@example.com"}])))
    [event] = events(scim_org, "user.updated")
    assert event.data == {"resource": replaced, "changed": ["displayName", "emails"]}


def test_a_group_put_emits_the_member_changes_net(scim, scim_org):
    a, b, c = make_users(scim, 3)
    group = create_group(scim, member_ids=[a, b])
    response = scim.put(f"/Groups/{group['id']}", group_body("Engineering", [b, c]))
    assert response.status_code == 200, response.content
    assert [(event.type, event.data["members"]) for event in events(scim_org)[4:]] == [
        ("group.member_added", [c]), ("group.member_removed", [a])]


def test_a_patch_that_changes_nothing_emits_nothing(scim, scim_org):
    user = create_user(scim)
    patch(scim, f"/Users/{user['id']}", {"op": "replace", "path": "userName", "value": user["userName"]}, status=200)
    assert [event.type for event in events(scim_org)] == ["user.created"]


def test_deactivation_and_reactivation_are_their_own_events_and_still_suspend_the_member(scim, scim_org):
    account = UserFactory(email="ann@example.com")
    add_member(scim_org, account, Membership.Role.MEMBER)
    user = create_user(scim)
    deactivated = body_of(patch(scim, f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": False},
                                status=200))
    with org_scope(scim_org):
        assert Membership.objects.get(user=account).suspended_by_idp
    patch(scim, f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": True},
          {"op": "replace", "path": "title", "value": "Back"}, status=200)
    types = [event.type for event in events(scim_org)]
    assert types == ["user.created", "user.deactivated", "user.updated", "user.reactivated"]
    assert events(scim_org, "user.deactivated")[0].data == {"resource": deactivated}
    assert events(scim_org, "user.updated")[0].data["changed"] == ["title"]  # not "active": that is the transition


def test_staff_deactivation_emits_user_deactivated_with_the_staff_actor(scim, scim_org):
    user = create_user(scim)
    staff = UserFactory(email="staff@idadmin.example", is_staff=True)
    scim_user_deactivate(org=scim_org, actor=Actor.staff(staff), public_id=user["id"])
    [event] = events(scim_org, "user.deactivated")
    assert event.actor_label == "staff@idadmin.example" and event.data["resource"]["active"] is False


def test_user_deleted_carries_the_id_only(scim, scim_org):
    user = create_user(scim)
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    [event] = events(scim_org, "user.deleted")
    assert (event.resource_id, event.data) == (user["id"], {"id": user["id"]})


def test_a_deleted_user_leaves_its_groups_with_member_removed_events(scim, scim_org):
    user = create_user(scim)
    groups = [create_group(scim, name, member_ids=[user["id"]]) for name in ("Engineering", "Sales")]
    create_group(scim, "Empty")
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    removed = events(scim_org, "group.member_removed")
    assert sorted(event.resource_id for event in removed) == sorted(group["id"] for group in groups)
    assert all(event.data["members"] == [user["id"]] for event in removed)


def test_group_created_carries_the_resource_without_members_and_the_member_ids(scim, scim_org):
    ids = make_users(scim, 2)
    group = create_group(scim, member_ids=ids)
    [event] = events(scim_org, "group.created")
    assert event.data["members"] == sorted(ids)
    assert event.data["resource"] == {key: value for key, value in group.items() if key != "members"}
    assert not events(scim_org, "group.member_added")


def test_a_multi_member_patch_is_one_event_with_every_id(scim, scim_org):
    ids = make_users(scim, 5)
    group = create_group(scim)
    patch(scim, f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": i} for i in ids[:3]]},
          {"op": "add", "path": "members", "value": [{"value": i} for i in ids[3:]]}, status=204)
    [event] = events(scim_org, "group.member_added")
    assert (event.resource_id, event.data) == (group["id"], {"id": group["id"], "members": sorted(ids)})
    assert not events(scim_org, "group.updated")  # a member-only PATCH changes no attribute of the group


def test_member_events_are_net_per_request(scim, scim_org):
    a, b, c, d = make_users(scim, 4)
    group = create_group(scim, member_ids=[a, b])
    patch(scim, f"/Groups/{group['id']}",
          {"op": "add", "path": "members", "value": [{"value": a}, {"value": c}, {"value": d}]},  # a: already in
          {"op": "remove", "path": f'members[value eq "{b}"]'},
          {"op": "remove", "path": "members", "value": [{"value": d}]},  # added, then removed: no change
          status=204)
    assert events(scim_org, "group.member_added")[0].data["members"] == [c]
    assert events(scim_org, "group.member_removed")[0].data["members"] == [b]


def test_removing_all_and_replacing_members_name_the_members_dropped(scim, scim_org):
    a, b, c = make_users(scim, 3)
    group = create_group(scim, member_ids=[a, b])
    patch(scim, f"/Groups/{group['id']}", {"op": "replace", "path": "members", "value": [{"value": b}, {"value": c}]},
          status=204)
    patch(scim, f"/Groups/{group['id']}", {"op": "remove", "path": "members"}, status=204)
    added = [event.data["members"] for event in events(scim_org, "group.member_added")]
    removed = [event.data["members"] for event in events(scim_org, "group.member_removed")]
    assert added == [[c]] and removed == [[a], sorted([b, c])]


def test_group_updated_and_deleted(scim, scim_org):
    group = create_group(scim)
    patch(scim, f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "R&D"}, status=204)
    renamed = body_of(scim.get(f"/Groups/{group['id']}"))
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    [updated] = events(scim_org, "group.updated")
    assert updated.data["changed"] == ["displayName"]
    assert updated.data["resource"] == {key: value for key, value in renamed.items() if key != "members"}
    [deleted] = events(scim_org, "group.deleted")
    assert deleted.data == {"id": group["id"]}


def test_a_failing_patch_leaves_no_event(scim, scim_org):
    user = create_user(scim)
    group = create_group(scim)
    response = patch(scim, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "CTO"},
                     {"op": "replace", "path": "userName", "value": ""})
    assert response.status_code == 400
    response = patch(scim, f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "R&D"},
                     {"op": "add", "path": "members", "value": [{"value": "US_no_such_user"}]})
    assert response.status_code == 400
    assert [event.type for event in events(scim_org)] == ["user.created", "group.created"]


def test_an_error_after_the_change_rolls_its_events_back(scim, scim_org, monkeypatch):
    from scim.protocol.endpoints import users as user_endpoints
    from scim.protocol.errors import invalid_value

    user = create_user(scim)

    def fail_while_responding(*args, **kwargs):  # after the service recorded user.updated, in its transaction
        raise invalid_value("The response could not be built.")

    monkeypatch.setattr(user_endpoints, "user_result", fail_while_responding)
    patch(scim, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "CTO"}, status=400)
    assert [event.type for event in events(scim_org)] == ["user.created"]
    monkeypatch.undo()
    assert "title" not in body_of(scim.get(f"/Users/{user['id']}"))


def test_bulk_operations_emit_their_events(scim, scim_org):
    response = scim.post("/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_body("bob@example.com")},
        {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": group_body("Ops", ["bulkId:u1"])},
    ]})
    assert response.status_code == 200, response.content
    assert [event.type for event in events(scim_org)] == ["user.created", "group.created"]
    assert events(scim_org, "group.created")[0].data["members"] == [events(scim_org)[0].resource_id]


def _without_events(monkeypatch):
    monkeypatch.setattr(directory_events, "event_record", lambda **kwargs: None)


def test_a_user_post_or_patch_costs_at_most_two_queries_more(scim, monkeypatch, django_assert_max_num_queries):
    user = create_user(scim, "first@example.com")
    post = lambda n: scim.post("/Users", user_body(f"user{n}@example.com"))  # noqa: E731
    retitle = lambda title: patch(scim, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": title})  # noqa: E731
    with_events = count_queries_of(lambda: post(1)), count_queries_of(lambda: retitle("A"))
    _without_events(monkeypatch)
    without = count_queries_of(lambda: post(2)), count_queries_of(lambda: retitle("B"))
    # The event is one statement (its number taken inside its INSERT) in an org without webhook endpoints ...
    assert with_events[0] - without[0] <= 1 and with_events[1] - without[1] <= 1, (with_events, without)
    # ... and the response no longer reads the user back, uniqueness is the constraints' check and the
    # services take no savepoint, the log row's savepoint rides with its INSERT and the event's number
    # with its, a user's e-mails ride in its INSERT: 16 and 14 queries with events once, 6 and 8 now.
    with django_assert_max_num_queries(6):
        post(3)
    with django_assert_max_num_queries(8):
        retitle("C")


def test_a_member_patch_costs_the_event_only_and_stays_constant_in_k(scim, scim_org, monkeypatch,
                                                                     django_assert_max_num_queries):
    ids = make_users(scim, 60)
    group = create_group(scim)
    add = lambda members: patch(scim, f"/Groups/{group['id']}",  # noqa: E731
                                {"op": "add", "path": "members", "value": [{"value": i} for i in members]})
    with_events = count_queries_of(lambda: add(ids[:5]))
    with django_assert_max_num_queries(with_events):
        add(ids[5:55])  # ten times the members: the same queries, one event
    assert len(events(scim_org, "group.member_added")) == 2
    _without_events(monkeypatch)
    assert with_events - count_queries_of(lambda: add(ids[55:])) <= 1


@pytest.mark.parametrize("missing", ["User", "Group"])
def test_an_unregistered_renderer_says_what_is_missing(monkeypatch, missing):
    monkeypatch.delitem(directory_events._renderers, missing)
    with pytest.raises(Exception, match="ScimProtocolConfig"):
        directory_events.render(missing, object())
