"""Issue 12: hostile input gets a SCIM 400 naming what is wrong, never a 500; every answer is no-store."""

import json

import pytest
from django.test import Client

from .conftest import body_of, group_body, user_body

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def assert_scim_400(response, scim_type, *words):
    assert response.status_code == 400, response.content
    body = json.loads(response.content)
    assert body["scimType"] == scim_type, body
    for word in words:
        assert word in body["detail"], body


def patch_body(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


TOO_LONG = [
    ("userName", {"userName": "x" * 300 + "@example.com"}),
    ("title", {"title": "t" * 300}),
    ("externalId", {"externalId": "e" * 300}),
    ("locale", {"locale": "l" * 70}),
    ("emails.value", {"emails": [{"value": "e" * 260 + "@example.com", "primary": True}]}),
    ("emails.type", {"emails": [{"value": "long@example.com", "type": "t" * 40, "primary": True}]}),
    ("manager.value", {ENTERPRISE: {"manager": {"value": "m" * 300}}}),
]


@pytest.mark.parametrize("attribute, overrides", TOO_LONG, ids=[name for name, _ in TOO_LONG])
def test_too_long_values_are_400_naming_the_scim_attribute_on_post_put_patch_and_bulk(scim, attribute, overrides):
    user_id = body_of(scim.post("/Users", user_body("long@example.com")))["id"]
    assert_scim_400(scim.post("/Users", user_body("new@example.com", **overrides)), "invalidValue", f"{attribute}:")
    assert_scim_400(scim.put(f"/Users/{user_id}", user_body("long@example.com", **overrides)), "invalidValue",
                    f"{attribute}:")
    replace = [{"op": "replace", "path": key, "value": value} for key, value in overrides.items()]
    assert_scim_400(scim.patch(f"/Users/{user_id}", patch_body(*replace)), "invalidValue", f"{attribute}:")
    bulk = scim.post("/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body("bulk@example.com", **overrides)}]})
    result = body_of(bulk)["Operations"][0]
    assert result["status"] == "400" and f"{attribute}:" in result["response"]["detail"], result


@pytest.mark.parametrize("overrides, attribute", [({"displayName": "g" * 300}, "displayName"),
                                                  ({"externalId": "e" * 300}, "externalId")])
def test_too_long_group_values_are_400_naming_the_attribute(scim, overrides, attribute):
    assert_scim_400(scim.post("/Groups", group_body("Group", **overrides)), "invalidValue", f"{attribute}:")


def test_lone_surrogates_in_bodies_and_filters_are_400(scim):
    assert_scim_400(scim.post("/Users", raw='{"userName": "\\ud800@x.example"}'), "invalidValue", "surrogate")
    assert_scim_400(scim.post("/Users/.search", raw='{"filter": "userName eq \\"\\ud800\\""}'), "invalidValue")
    user_id = body_of(scim.post("/Users", user_body("s@example.com")))["id"]
    assert_scim_400(scim.patch(f"/Users/{user_id}", raw=json.dumps(patch_body(
        {"op": "replace", "path": "title", "value": "\ud800"}))), "invalidValue")
    from scim.protocol.filters import user_filter_q
    from scim.protocol.errors import ScimError
    with pytest.raises(ScimError, match="surrogate"):
        user_filter_q('userName eq "\ud800@x.example"')


def test_a_number_beyond_a_doubles_range_is_400_and_its_request_is_logged(scim, scim_org):
    from scim.models import ProvisioningEvent
    from tenants.scoping import org_scope

    def with_number(user_name, number):
        return json.dumps(user_body(user_name))[:-1] + f', "urn:example:extra": {{"n": {number}}}}}'

    # 1e999 would be inf, which no JSON document (the log's jsonb among them) can hold: refused, logged.
    assert_scim_400(scim.post("/Users", raw=with_number("big@example.com", "1e999")), "invalidValue",
                    "1e999", "out of range")
    assert scim.post("/Users", raw=with_number("fine@example.com", "1e308")).status_code == 201
    with org_scope(scim_org):
        assert list(ProvisioningEvent.objects.order_by("created").values_list("status", flat=True)) == [400, 201]


@pytest.mark.parametrize("raw", ["[" * 935 + "]" * 935, '{"a":' * 935 + "1" + "}" * 935])
def test_deeply_nested_json_is_400_invalid_syntax(scim, raw):
    assert_scim_400(scim.post("/Users", raw=raw), "invalidSyntax", "nests deeper")
    assert_scim_400(scim.post("/Bulk", raw=raw), "invalidSyntax")


@pytest.mark.parametrize("text, words", [
    ("(" * 900 + 'userName eq "x"' + ")" * 900, "nests deeper"),
    ("(" * 20 + 'userName eq "x"' + ")" * 20, "nests deeper"),
    ("not (" * 500 + 'userName eq "x"' + ")" * 500, "longer than"),
    ("not (" * 20 + 'userName eq "x"' + ")" * 20, "nests deeper"),
    (" or ".join(['userName eq "x"'] * 200), "longer than"),
    (" or ".join(['id eq "x"'] * 40), "comparisons"),
])
def test_oversized_filters_are_400_invalid_filter(scim, text, words):
    assert_scim_400(scim.post("/Users/.search", {"filter": text}), "invalidFilter", words)
    assert_scim_400(scim.post("/Groups/.search", {"filter": text}), "invalidFilter", words)


def test_filters_within_the_limits_are_answered(scim):
    body_of(scim.post("/Users", user_body("x@example.com")))
    response = scim.post("/Users/.search", {"filter": " or ".join(['userName eq "x@example.com"'] * 32)})
    assert body_of(response)["totalResults"] == 1
    response = scim.post("/Users/.search", {"filter": "not (" * 7 + 'userName eq "x@example.com"' + ")" * 7})
    assert body_of(response)["totalResults"] == 0


@pytest.mark.parametrize("body, scim_type", [
    ({"filter": 5}, "invalidFilter"), ({"sortBy": 5}, "invalidValue"), ({"sortOrder": ["x"]}, "invalidValue"),
    ({"startIndex": []}, "invalidValue"), ({"count": {"a": 1}}, "invalidValue"), ({"schemas": 5}, "invalidValue"),
    ({"attributes": 5}, "invalidValue"),
])
def test_search_request_members_of_the_wrong_type_are_400(scim, body, scim_type):
    assert_scim_400(scim.post("/Users/.search", body), scim_type)
    assert_scim_400(scim.post("/Groups/.search", body), scim_type)


def test_removing_a_sub_attribute_after_adding_non_objects_is_400(scim):
    user_id = body_of(scim.post("/Users", user_body("p@example.com")))["id"]
    response = scim.patch(f"/Users/{user_id}", patch_body({"op": "add", "path": "emails", "value": ["x"]},
                                                          {"op": "remove", "path": "emails.value"}))
    assert_scim_400(response, "invalidValue", "emails")


@pytest.mark.parametrize("method, path", [("post", "/scim/v2/Me"), ("post", "/scim/v2/Users/"),
                                          ("put", "/scim/v2/Users/"), ("patch", "/scim/v2/Groups/x/y"),
                                          ("delete", "/scim/v2/Users/"), ("post", "/scim/v2/"),
                                          ("post", "/scim/v2")])
def test_writes_to_unknown_scim_paths_are_scim_404s_even_with_csrf_checks(db, method, path):
    response = getattr(Client(enforce_csrf_checks=True), method)(path, data="{}", content_type="application/scim+json")
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/scim+json"
    assert json.loads(response.content)["status"] == "404"


def test_every_scim_response_is_no_store(scim):
    user_id = body_of(scim.post("/Users", user_body("c@example.com")))["id"]
    for response in (scim.get(f"/Users/{user_id}"), scim.get("/Users"), scim.get("/ServiceProviderConfig"),
                     scim.get("/Nope"), scim.post("/Users", raw="{"), scim.delete(f"/Users/{user_id}"),
                     Client().get("/scim/v2/Users")):
        assert response["Cache-Control"] == "no-store", (response.status_code, response.headers)


def test_a_body_orjson_refuses_is_still_written_as_json():
    from scim.protocol.views import json_bytes

    # (orjson stops at 64-bit integers; nothing we store holds a bigger one, but a response must never fail on it)
    body = {"totalResults": 2**70, "detail": "naïve ✓"}
    assert json.loads(json_bytes(body)) == body
    assert json.loads(json_bytes({"detail": "naïve ✓"})) == {"detail": "naïve ✓"}
