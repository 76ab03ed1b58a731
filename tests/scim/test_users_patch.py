import json

import pytest

from scim.models import ScimUser, ScimUserEmail
from tenants.scoping import org_scope

from .conftest import user_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def ann(scim):
    body = user_body("ann@example.com", displayName="Ann", nickName="A", **{ENTERPRISE: {"department": "Core"}})
    body["emails"].append({"value": "ann.home@example.com", "type": "home"})
    return json.loads(scim.post("/Users", body).content)


def patched(scim, user, *operations, expect=200, **kwargs):
    response = scim.patch(f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": list(operations)}, **kwargs)
    assert response.status_code == expect, response.content
    return json.loads(response.content) if response.content else None


def test_add_replace_remove_with_paths(scim, ann):
    result = patched(scim, ann, {"op": "add", "path": "title", "value": "CTO"},
                     {"op": "replace", "path": "name.familyName", "value": "Lee"},
                     {"op": "remove", "path": "nickName"})
    assert result["title"] == "CTO" and result["name"]["familyName"] == "Lee" and "nickName" not in result
    assert result["name"]["givenName"] == "Test"


def test_value_path_replaces_only_the_matching_email(scim, ann):
    result = patched(scim, ann, {"op": "replace", "path": 'emails[type eq "home"].value', "value": "new@example.com"})
    assert {(e["type"], e["value"]) for e in result["emails"]} == {("work", "ann@example.com"), ("home", "new@example.com")}


def test_value_path_remove_removes_only_matching_elements(scim, ann):
    result = patched(scim, ann, {"op": "remove", "path": 'emails[type eq "home"]'})
    assert [e["type"] for e in result["emails"]] == ["work"]


def test_add_to_a_multi_valued_attribute_appends(scim, ann):
    result = patched(scim, ann, {"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 555", "type": "work"}]})
    result = patched(scim, ann, {"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 556", "type": "home"}]})
    assert [p["value"] for p in result["phoneNumbers"]] == ["+1 555", "+1 556"]


def test_extension_paths_and_the_whole_extension(scim, ann):
    result = patched(scim, ann, {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "US1", "displayName": "Boss"}},
                     {"op": "add", "path": f"{ENTERPRISE}:costCenter", "value": "C1"})
    assert result[ENTERPRISE] == {"department": "Core", "costCenter": "C1", "manager": {
        "value": "US1", "$ref": result[ENTERPRISE]["manager"]["$ref"], "displayName": "Boss"}}
    result = patched(scim, ann, {"op": "remove", "path": f"{ENTERPRISE}:manager"})
    assert "manager" not in result[ENTERPRISE]


def test_entra_path_less_replace_with_path_keys_and_string_booleans(scim, ann):
    result = patched(scim, ann, {"op": "Replace", "value": {"name.givenName": "Kkom", f"{ENTERPRISE}:employeeNumber": "7",
                                                            "active": "False"}})
    assert result["name"]["givenName"] == "Kkom" and result[ENTERPRISE]["employeeNumber"] == "7"
    assert result["active"] is False


def test_okta_path_less_replace_deactivates(scim, ann):
    assert patched(scim, ann, {"op": "replace", "value": {"active": False}})["active"] is False


def test_patch_is_all_or_nothing(scim, ann, scim_org):
    patched(scim, ann, {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "active", "value": "perhaps"}, expect=400)
    patched(scim, ann, {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "remove", "path": "userName"}, expect=400)
    with org_scope(scim_org):
        user = ScimUser.objects.get(public_id=ann["id"])
    assert user.display_name == "Ann" and user.version == 1


@pytest.mark.parametrize("operation,scim_type", [
    ({"op": "move", "path": "title", "value": "x"}, "invalidSyntax"),
    ({"op": "remove"}, "noTarget"),
    ({"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}, "invalidPath"),
    ({"op": "replace", "path": "emails[value co \"zzz\"].value", "value": "x"}, "noTarget"),
    ({"op": "replace", "path": "urn:example:other:thing", "value": "x"}, "invalidPath"),
])
def test_bad_operations_are_scim_400s(scim, ann, operation, scim_type):
    response = scim.patch(f"/Users/{ann['id']}", {"schemas": [PATCH_OP], "Operations": [operation]})
    assert response.status_code == 400 and json.loads(response.content)["scimType"] == scim_type


def test_patch_with_no_attributes_asked_for_is_204(scim, ann):
    response = scim.patch(f"/Users/{ann['id']}?attributes=", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "title", "value": "x"}]})
    assert response.status_code == 204 and response.content == b""


def test_every_write_changes_the_version(scim, ann):
    first = patched(scim, ann, {"op": "replace", "path": "title", "value": "x"})["meta"]["version"]
    second = patched(scim, ann, {"op": "replace", "path": "title", "value": "y"})["meta"]["version"]
    assert len({ann["meta"]["version"], first, second}) == 3


def test_removing_active_removes_it_without_deactivating(scim, ann):
    result = patched(scim, ann, {"op": "remove", "path": "active"})
    assert "active" not in result
    assert json.loads(scim.put(f"/Users/{ann['id']}", user_body("ann@example.com")).content)["active"] is True


def test_email_display_is_kept(scim, ann):
    result = patched(scim, ann, {"op": "replace", "path": 'emails[type eq "work"].display', "value": "Ann at work"})
    assert {"value": "ann@example.com", "display": "Ann at work", "type": "work", "primary": True} in result["emails"]


def test_patching_only_active_writes_only_the_user_row(scim, ann, scim_org, django_assert_max_num_queries):
    with org_scope(scim_org):
        emails_before = list(ScimUserEmail.objects.order_by("id").values_list("id", "value", "type", "primary"))
    # The credential, the locked row with its e-mails and groups, the org's domain rule, one UPDATE,
    # the account follows, the audit row, the answer's read, the provisioning log; savepoints included
    # (the write and its answer are one transaction: a SAVEPOINT pair here, BEGIN/COMMIT in production).
    with django_assert_max_num_queries(17) as captured:
        result = patched(scim, ann, {"op": "replace", "path": "active", "value": False})
    assert result["active"] is False and result["meta"]["version"] == 'W/"2"'
    email_writes = [query["sql"] for query in captured.captured_queries
                    if "scim_scimuseremail" in query["sql"] and not query["sql"].startswith("SELECT")]
    assert email_writes == []
    user_writes = [query["sql"] for query in captured.captured_queries
                   if query["sql"].startswith('UPDATE "scim_scimuser"')]
    assert len(user_writes) == 1 and '"version" = ("scim_scimuser"."version" + 1)' in user_writes[0]
    assert '"display_name"' not in user_writes[0]  # only the columns that changed
    with org_scope(scim_org):
        assert list(ScimUserEmail.objects.order_by("id").values_list("id", "value", "type", "primary")) == emails_before


def test_patching_an_email_rewrites_the_emails(scim, ann, scim_org):
    result = patched(scim, ann, {"op": "replace", "path": 'emails[type eq "home"].value', "value": "ann@home.example"})
    assert {"value": "ann@home.example", "type": "home", "primary": False} in result["emails"]
    with org_scope(scim_org):
        assert sorted(ScimUserEmail.objects.values_list("value", flat=True)) == ["ann@example.com", "ann@home.example"]


def test_taking_another_users_user_name_or_external_id_is_409_and_writes_nothing(scim, ann):
    scim.post("/Users", user_body("bob@example.com", externalId="b1"))
    body = patched(scim, ann, {"op": "replace", "path": "title", "value": "CTO"},
                   {"op": "replace", "path": "userName", "value": "BOB@example.com"}, expect=409)
    assert body["scimType"] == "uniqueness" and body["detail"] == "A user with userName BOB@example.com already exists."
    body = patched(scim, ann, {"op": "replace", "path": "externalId", "value": "b1"}, expect=409)
    assert body["detail"] == "A user with externalId b1 already exists."
    unchanged = json.loads(scim.get(f"/Users/{ann['id']}").content)
    assert (unchanged["userName"], unchanged.get("title"), unchanged["meta"]["version"]) == (
        "ann@example.com", None, ann["meta"]["version"])
