"""Concurrent writers on PostgreSQL, with real threads: each write locks its row, re-checks If-Match
under the lock and raises the version by exactly one, so no acknowledged write is lost
(DESIGN.md invariant 10). One Django test client and one database connection per thread."""

import threading

import pytest
from django.db import connections
from django.test import Client

from .conftest import ScimClient, body_of, group_body, scim_client_for, user_body

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
RACERS = 20  # the review's count: 20 writers with the same If-Match
ROUNDS = 3
pytestmark = pytest.mark.django_db(transaction=True)


def run_together(setup: ScimClient, requests) -> list:
    """Run each `request(client)` in its own thread, all released at once; their responses, in order."""
    start = threading.Barrier(len(requests), timeout=30)
    responses = [None] * len(requests)
    token = setup.auth.removeprefix("Bearer ")

    def run(index, request):
        try:
            client = ScimClient(Client(), token)
            start.wait()
            responses[index] = request(client)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def replace(path, value):
    return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": path, "value": value}]}


@pytest.mark.parametrize("collection,body,attribute,ok", [
    ("/Users", user_body("ann@example.com"), "title", 200),
    ("/Groups", group_body("Team"), "displayName", 204),
])
def test_patches_with_the_same_if_match_have_exactly_one_winner(scim_org, collection, body, attribute, ok):
    setup = scim_client_for(Client(), scim_org)
    resource = body_of(setup.post(collection, body))
    path = f"{collection}/{resource['id']}"
    version = resource["meta"]["version"]
    for round_number in range(1, ROUNDS + 1):
        responses = run_together(setup, [
            lambda client, n=n: client.patch(path, replace(attribute, f"value {round_number}.{n}"),
                                             headers={"If-Match": version})
            for n in range(RACERS)
        ])
        assert sorted(response.status_code for response in responses) == [ok] + [412] * (RACERS - 1)
        winner = next(response for response in responses if response.status_code == ok)
        after = body_of(setup.get(path))
        assert after["meta"]["version"] == winner["ETag"] == f'W/"{round_number + 1}"'
        assert after[attribute].startswith(f"value {round_number}.")
        version = after["meta"]["version"]


def test_patches_of_different_attributes_without_if_match_all_land(scim_org):
    setup = scim_client_for(Client(), scim_org)
    user = body_of(setup.post("/Users", user_body("ann@example.com")))
    attributes = ("title", "nickName", "displayName", "userType", "preferredLanguage", "locale", "timezone")
    for round_number in range(1, ROUNDS + 1):
        changes = {attribute: f"{attribute} {round_number}" for attribute in attributes}
        responses = run_together(setup, [
            lambda client, path=path, value=value: client.patch(f"/Users/{user['id']}", replace(path, value))
            for path, value in changes.items()
        ])
        assert [response.status_code for response in responses] == [200] * 7
        after = body_of(setup.get(f"/Users/{user['id']}"))
        assert {path: after.get(path) for path in changes} == changes
        # Created at 1, then exactly one per acknowledged write.
        assert after["meta"]["version"] == f'W/"{1 + 7 * round_number}"'


def test_a_delete_with_a_stale_if_match_loses_to_the_write_before_it(scim_org):
    setup = scim_client_for(Client(), scim_org)
    user = body_of(setup.post("/Users", user_body("ann@example.com")))
    version = user["meta"]["version"]
    responses = run_together(setup, [
        lambda client: client.patch(f"/Users/{user['id']}", replace("title", "CTO"), headers={"If-Match": version}),
        lambda client: client.delete(f"/Users/{user['id']}", headers={"If-Match": version}),
    ])
    statuses = sorted(response.status_code for response in responses)
    # Whichever locked first wins; the other sees a changed (or deleted) row.
    assert statuses in ([200, 412], [204, 404])


@pytest.mark.parametrize("collection,make,duplicate_of", [
    ("/Users", lambda n: user_body("ann@example.com" if n % 2 else "ANN@example.com", externalId=f"e{n}"),
     "A user with userName"),
    ("/Users", lambda n: user_body(f"user{n}@example.com", externalId="same"), "A user with externalId same"),
    ("/Groups", lambda n: group_body("Team" if n % 2 else "TEAM"), "A group with displayName"),
])
def test_concurrent_creates_of_one_name_have_exactly_one_winner(scim_org, collection, make, duplicate_of):
    """No SELECT checks uniqueness first: the unique constraint alone decides the race, and every loser
    gets a 409 naming the attribute, never a 500 and never a second row."""
    setup = scim_client_for(Client(), scim_org)
    responses = run_together(setup, [lambda client, n=n: client.post(collection, make(n)) for n in range(RACERS)])
    assert sorted(response.status_code for response in responses) == [201] + [409] * (RACERS - 1)
    losers = [body_of(response) for response in responses if response.status_code == 409]
    assert all(body["scimType"] == "uniqueness" and body["detail"].startswith(duplicate_of) for body in losers)
    assert body_of(setup.get(collection))["totalResults"] == 1
