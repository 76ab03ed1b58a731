"""Whatever a client sends to /Groups or /Bulk, the answer is a SCIM response, never a 500."""

import json

from hypothesis import given
from hypothesis import strategies as st

from .conftest import body_of, group_body
from .test_no_server_errors import JSON_SCALARS, JSON_VALUES, SETTINGS

GROUP_ATTRIBUTES = st.sampled_from(["displayName", "members", "externalId", "id", "meta", "schemas", "x"])
MEMBER_VALUES = JSON_VALUES | st.lists(st.fixed_dictionaries({"value": JSON_SCALARS}), max_size=3)
GROUP_PATHS = st.sampled_from(["members", 'members[value eq "US00"]', 'members[value eq "a" or value eq "b"]',
                               'members[display eq "x"]', "members[", "displayName", "externalId",
                               "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "members.value", "id", ""])
GROUP_OPERATIONS = st.fixed_dictionaries({"op": st.sampled_from(["add", "Replace", "Remove", "bogus", 3])},
                                         optional={"path": GROUP_PATHS | JSON_SCALARS, "value": MEMBER_VALUES})


@SETTINGS
@given(overrides=st.dictionaries(GROUP_ATTRIBUTES, MEMBER_VALUES, max_size=3))
def test_group_create_with_any_attribute_values_never_answers_500(scim, overrides):
    response = scim.post("/Groups", {**group_body("Fuzz"), **overrides})
    assert response.status_code in (201, 400, 409), response.content
    if response.status_code == 201:
        scim.delete(f"/Groups/{body_of(response)['id']}")


@SETTINGS
@given(operations=st.lists(GROUP_OPERATIONS, max_size=3))
def test_group_patch_with_any_operations_never_answers_500(scim, operations):
    group_id = body_of(scim.post("/Groups", group_body("Patch fuzz")))["id"]
    response = scim.patch(f"/Groups/{group_id}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                   "Operations": operations})
    assert response.status_code in (200, 204, 400, 409), response.content
    assert scim.delete(f"/Groups/{group_id}").status_code == 204


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["filter", "startIndex", "count", "sortBy", "sortOrder", "attributes",
                                               "excludedAttributes"]), st.text(max_size=30), max_size=4))
def test_group_list_with_any_parameters_never_answers_500(scim, params):
    response = scim.client.get("/scim/v2/Groups", params, headers={"Authorization": scim.auth})
    assert response.status_code in (200, 400), response.content


@SETTINGS
@given(operations=st.lists(st.dictionaries(st.sampled_from(["method", "path", "bulkId", "data", "version"]),
                                           JSON_VALUES | st.sampled_from(["POST", "PATCH", "/Groups", "/Users/x"]),
                                           max_size=5), max_size=3),
       fail_on_errors=JSON_SCALARS)
def test_bulk_with_any_operations_never_answers_500(scim, operations, fail_on_errors):
    response = scim.post("/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                                   "Operations": operations, "failOnErrors": fail_on_errors})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert all(result["status"] != "500" for result in json.loads(response.content)["Operations"])
