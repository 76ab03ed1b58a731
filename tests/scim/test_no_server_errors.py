"""Whatever a client sends, the answer is a SCIM response, never a 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import user_body

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3), max_leaves=12)
ATTRIBUTE_NAMES = st.sampled_from(["userName", "name", "emails", "active", "externalId", "phoneNumbers", "addresses",
                                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "displayName", "x"])
PATHS = st.sampled_from(["active", "name.givenName", 'emails[type eq "work"].value', 'emails[type eq "work"]',
                         "emails", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "manager",
                         "phoneNumbers[value co 1]", "]][", "addresses.locality", "userName", "meta", ""])
OPERATIONS = st.fixed_dictionaries({"op": st.sampled_from(["add", "Replace", "remove", "bogus", 3])},
                                   optional={"path": PATHS | JSON_SCALARS, "value": JSON_VALUES})

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(overrides=st.dictionaries(ATTRIBUTE_NAMES, JSON_VALUES, max_size=4))
def test_create_with_any_attribute_values_never_answers_500(scim, overrides):
    response = scim.post("/Users", {**user_body("fuzz@example.com"), **overrides})
    assert response.status_code in (201, 400, 409), response.content
    if response.status_code == 201:
        scim.delete(f"/Users/{json.loads(response.content)['id']}")


@SETTINGS
@given(operations=st.lists(OPERATIONS, max_size=3))
def test_patch_with_any_operations_never_answers_500(scim, operations):
    user_id = json.loads(scim.post("/Users", user_body("patch-fuzz@example.com")).content)["id"]
    response = scim.patch(f"/Users/{user_id}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                 "Operations": operations})
    assert response.status_code in (200, 400, 409), response.content
    assert scim.delete(f"/Users/{user_id}").status_code == 204


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["filter", "startIndex", "count", "sortBy", "sortOrder", "attributes"]),
                              st.text(max_size=30), max_size=4))
def test_list_with_any_parameters_never_answers_500(scim, params):
    response = scim.client.get("/scim/v2/Users", params, headers={"Authorization": scim.auth})
    assert response.status_code in (200, 400), response.content
