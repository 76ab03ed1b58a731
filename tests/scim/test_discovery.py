import json

from django.test.utils import CaptureQueriesContext
from django.db import connection

from .conftest import user_body


def test_service_provider_config_tells_the_truth(client, db):
    body = json.loads(client.get("/scim/v2/ServiceProviderConfig").content)
    assert body["patch"]["supported"] is True and body["bulk"] == {
        "supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert body["sort"]["supported"] is True and body["etag"]["supported"] is True
    assert body["changePassword"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_schemas_list_user_enterprise_and_group_without_unsupported_attributes(client, db):
    body = json.loads(client.get("/scim/v2/Schemas").content)
    ids = {schema["id"] for schema in body["Resources"]}
    assert ids == {"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group",
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}
    user = json.loads(client.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").content)
    names = {attribute["name"] for attribute in user["attributes"]}
    assert {"userName", "emails", "addresses"} <= names and not names & {"photos", "roles", "x509Certificates"}


def test_resource_types_list_users_and_groups(client, db):
    body = json.loads(client.get("/scim/v2/ResourceTypes").content)
    assert [rt["id"] for rt in body["Resources"]] == ["User", "Group"]
    assert client.get("/scim/v2/ResourceTypes/User").status_code == 200
    assert json.loads(client.get("/scim/v2/ResourceTypes/Group").content)["endpoint"] == "/Groups"
    assert client.get("/scim/v2/ResourceTypes/Nope").status_code == 404


def test_discovery_needs_no_credential_and_is_scim_json(client, db):
    response = client.get("/scim/v2/Schemas")
    assert response.status_code == 200 and response["Content-Type"] == "application/scim+json"


def count_queries(callable_):
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def test_list_of_100_users_and_get_by_id_use_a_constant_number_of_queries(scim, django_assert_max_num_queries):
    for number in range(3):
        scim.post("/Users", user_body(f"user{number}@example.com"))
    small = count_queries(lambda: scim.get("/Users?count=2"))  # a full page, as the one below: both COUNT
    for number in range(3, 101):
        scim.post("/Users", user_body(f"user{number}@example.com"))
    with django_assert_max_num_queries(small):
        response = scim.get("/Users?count=100&filter=userName%20co%20%22user%22")
    assert len(json.loads(response.content)["Resources"]) == 100
    user_id = json.loads(response.content)["Resources"][-1]["id"]
    with django_assert_max_num_queries(small):
        assert scim.get(f"/Users/{user_id}").status_code == 200
    # token lookup, COUNT, the page (e-mails and groups in its SELECT, issue 14), and the log INSERT inside
    # a savepoint (the test's transaction)
    assert small <= 6


def test_an_unknown_path_under_the_base_is_a_scim_404(client, db):
    response = client.get("/scim/v2/NoSuchThing")
    assert response.status_code == 404 and json.loads(response.content)["status"] == "404"


def test_search_at_the_root_is_a_scim_501(client, db):
    response = client.post("/scim/v2/.search", data="{}", content_type="application/scim+json")
    assert response.status_code == 501 and json.loads(response.content)["status"] == "501"
