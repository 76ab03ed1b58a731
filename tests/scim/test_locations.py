"""Resource URLs (meta.location, Location, $ref) come from PUBLIC_BASE_URL and the SCIM root's
reverse(); Bulk resolves its operations against the protocol's own urlconf, whatever the mount point."""

import pytest
from django.test import override_settings

from .conftest import body_of, group_body, scim_client_for, user_body

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


class ElsewhereClient:
    """SCIM at /directory/scim/ instead of /scim/v2/."""

    def __init__(self, scim):
        self.scim = scim

    def request(self, method, path, body=None):
        import json

        kwargs = {"data": json.dumps(body), "content_type": "application/scim+json"} if body is not None else {}
        return getattr(self.scim.client, method.lower())("/directory/scim" + path,
                                                         headers={"Authorization": self.scim.auth}, **kwargs)


@override_settings(PUBLIC_BASE_URL="https://id.example.test")
def test_locations_use_the_public_base_url(scim):
    response = scim.post("/Users", user_body("ann@example.com"))
    user = body_of(response)
    assert response["Location"] == user["meta"]["location"] == f"https://id.example.test/scim/v2/Users/{user['id']}"
    group = body_of(scim.post("/Groups", group_body("Team", [user["id"]])))
    assert group["members"][0]["$ref"] == user["meta"]["location"]
    assert body_of(scim.get(f"/Users/{user['id']}"))["groups"][0]["$ref"] == group["meta"]["location"]
    assert body_of(scim.get("/ServiceProviderConfig"))["meta"]["location"] == \
        "https://id.example.test/scim/v2/ServiceProviderConfig"


@pytest.fixture
def elsewhere(client, scim_org, settings):
    settings.ROOT_URLCONF = "tests.scim.elsewhere_urls"
    return ElsewhereClient(scim_client_for(client, scim_org))


def test_a_scim_root_mounted_elsewhere_moves_every_url_and_bulk_follows(elsewhere, settings):
    response = elsewhere.request("POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "ann", "data": user_body("ann@example.com")},
        {"method": "POST", "path": "/Groups", "bulkId": "team", "data": group_body("Team", ["bulkId:ann"])},
    ]})
    results = body_of(response)["Operations"]
    assert [r["status"] for r in results] == ["201", "201"]
    assert results[0]["location"].startswith(settings.PUBLIC_BASE_URL + "/directory/scim/Users/")
    group = body_of(elsewhere.request("GET", "/Groups/" + results[1]["location"].rpartition("/")[2]))
    assert group["members"][0]["$ref"] == results[0]["location"]
