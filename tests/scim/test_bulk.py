"""POST /Bulk (RFC 7644 §3.7): bulkId references, failOnErrors, limits (413), per-operation status."""

import json

from oauthapps import scopes

from .conftest import body_of, group_body, scim_client_for, user_body

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def bulk(scim, operations, **extra):
    return scim.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": operations, **extra})


def test_create_a_user_then_a_group_whose_member_is_that_user_by_bulk_id(scim):
    response = bulk(scim, [
        {"method": "POST", "path": "/Users", "bulkId": "ann", "data": user_body("ann@example.com")},
        {"method": "POST", "path": "/Groups", "bulkId": "team", "data": group_body("Team", ["bulkId:ann"])},
    ])
    assert response.status_code == 200
    results = body_of(response)["Operations"]
    assert [r["status"] for r in results] == ["201", "201"]
    assert results[0]["bulkId"] == "ann" and results[0]["version"] and results[0]["method"] == "POST"
    user_id = results[0]["location"].rpartition("/")[2]
    group = body_of(scim.get("/Groups/" + results[1]["location"].rpartition("/")[2]))
    assert [m["value"] for m in group["members"]] == [user_id]


def test_each_operation_has_its_own_status_and_errors_carry_a_scim_error(scim):
    results = body_of(bulk(scim, [
        {"method": "POST", "path": "/Groups", "bulkId": "a", "data": group_body("A")},
        {"method": "POST", "path": "/Groups", "bulkId": "b", "data": group_body("a")},
        {"method": "DELETE", "path": "/Users/US" + "0" * 32},
    ]))["Operations"]
    assert [r["status"] for r in results] == ["201", "409", "404"]
    assert results[1]["response"]["scimType"] == "uniqueness" and results[1]["response"]["status"] == "409"


def test_patch_put_and_delete_by_bulk(scim):
    group = body_of(scim.post("/Groups", group_body("Old")))
    results = body_of(bulk(scim, [
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": user_body("u@example.com")},
        {"method": "PATCH", "path": f"/Groups/{group['id']}", "data": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:u"}]}]}},
        {"method": "PUT", "path": "/Users/bulkId:u", "data": user_body("u@example.com", displayName="U")},
        {"method": "DELETE", "path": f"/Groups/{group['id']}"},
    ]))["Operations"]
    assert [r["status"] for r in results] == ["201", "204", "200", "204"]
    assert scim.get(f"/Groups/{group['id']}").status_code == 404


def test_a_reference_to_a_failed_or_unknown_bulk_id_fails_that_operation(scim):
    results = body_of(bulk(scim, [
        {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"userName": ""}},
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": group_body("G", ["bulkId:bad"])},
        {"method": "POST", "path": "/Groups", "bulkId": "h", "data": group_body("H", ["bulkId:later"])},
    ]))["Operations"]
    assert [r["status"] for r in results] == ["400", "409", "409"]
    assert body_of(scim.get("/Groups"))["totalResults"] == 0


def test_fail_on_errors_stops_after_that_many_errors(scim):
    results = body_of(bulk(scim, [
        {"method": "DELETE", "path": "/Groups/GRnope"},
        {"method": "DELETE", "path": "/Groups/GRnope2"},
        {"method": "POST", "path": "/Groups", "bulkId": "never", "data": group_body("Never")},
    ], failOnErrors=2))["Operations"]
    assert [r["status"] for r in results] == ["404", "404"]
    assert body_of(scim.get("/Groups"))["totalResults"] == 0


def test_more_operations_than_max_operations_is_413(scim):
    operations = [{"method": "DELETE", "path": "/Groups/GRx"}] * 1001
    response = bulk(scim, operations)
    assert response.status_code == 413 and body_of(response)["status"] == "413"


def test_a_payload_over_max_payload_size_is_413(scim):
    padding = "x" * (1024 * 1024)
    response = bulk(scim, [{"method": "POST", "path": "/Groups", "bulkId": "g", "data": group_body(padding)}])
    assert response.status_code == 413 and body_of(response)["status"] == "413"
    assert body_of(scim.get("/Groups"))["totalResults"] == 0


def test_each_operation_needs_its_own_scope(client, scim_org):
    create_only = scim_client_for(client, scim_org, scope_list=[scopes.CREATE])
    results = body_of(bulk(create_only, [
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": group_body("G")},
        {"method": "DELETE", "path": "/Groups/bulkId:g"},
    ]))["Operations"]
    assert [r["status"] for r in results] == ["201", "403"]


def test_operations_outside_users_and_groups_are_refused(scim):
    results = body_of(bulk(scim, [
        {"method": "POST", "path": "/Bulk", "bulkId": "x", "data": {}},
        {"method": "PUT", "path": "/ServiceProviderConfig", "data": {}},
        {"method": "GET", "path": "/Users"},
        {"method": "POST", "path": "/Users", "data": user_body("nobulkid@example.com")},
    ]))["Operations"]
    assert [r["status"] for r in results] == ["404", "404", "400", "400"]


def test_the_request_must_be_a_bulk_request(scim):
    response = scim.post("/Bulk", {"Operations": []})
    assert response.status_code == 400
    response = scim.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": "no"})
    assert response.status_code == 400 and body_of(response)["scimType"] == "invalidSyntax"


def test_another_orgs_ids_are_not_reachable_through_bulk(scim, other_scim):
    theirs = body_of(other_scim.post("/Groups", group_body("Theirs")))
    results = body_of(bulk(scim, [{"method": "DELETE", "path": f"/Groups/{theirs['id']}"}]))["Operations"]
    assert results[0]["status"] == "404"
    assert other_scim.get(f"/Groups/{theirs['id']}").status_code == 200


def test_bulk_response_is_scim_json(scim):
    response = bulk(scim, [])
    assert response["Content-Type"] == "application/scim+json"
    assert json.loads(response.content)["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]
