"""Issue 12: hypothesis against a live server (real HTTP, real encoding) across Users, Groups, Bulk
and filters; no input may get a 5xx. FUZZ_EXAMPLES sets the examples per target (`make fuzz`);
the counts go to tests/artifacts/fuzz-summary.json."""

import json
import os
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauthapps import scopes
from oauthapps.services import scim_token_create
from tenants.audit import Actor

from .conftest import open_org, user_body

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
SUMMARY = Path(__file__).resolve().parents[1] / "artifacts" / "fuzz-summary.json"
TEXT = st.text(max_size=40) | st.sampled_from(["\ud800@x.example", "x" * 300, "\x00", "é" * 70, ""])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=10)
USER_KEYS = st.sampled_from(["userName", "name", "emails", "active", "externalId", "title", "locale", "schemas",
                             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "displayName", "phoneNumbers"])
FILTER_WORDS = st.sampled_from(['userName', 'emails', 'emails.type', 'emails.value', 'members', 'displayName', 'id',
                                'meta.created', 'active', 'eq', 'ne', 'co', 'sw', 'le', 'gt', 'pr', 'and', 'or',
                                'not', '(', ')', '[', ']', '"x"', '"\ud800"', 'true', '5', '.', '"2024-01-01T00:00:00Z"'])
FILTERS = st.lists(FILTER_WORDS, max_size=12).map(" ".join) | st.text(max_size=60)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))
COUNTS = {"inputs": 0, "5xx": 0, "failures": []}


def send(session, method, url, **kwargs):
    if "json" in kwargs:  # json.dumps keeps lone surrogates as \ud800 escapes, as a hostile client would
        kwargs["data"] = json.dumps(kwargs.pop("json")).encode()
    response = session.request(method, url, timeout=30, **kwargs)
    COUNTS["inputs"] += 1
    if response.status_code >= 500:
        COUNTS["5xx"] += 1
        COUNTS["failures"].append({"method": method, "url": url, "body": str(kwargs.get("data"))[:500]})
    assert response.status_code < 500, (method, url, kwargs, response.text[:500])
    assert response.headers.get("Cache-Control") == "no-store"
    return response


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps({**COUNTS, "examples_per_target": EXAMPLES}, indent=2))
    print(f"\nfuzz: {COUNTS['inputs']} inputs, {COUNTS['5xx']} answered 5xx -> {SUMMARY}")


@pytest.fixture
def live(transactional_db, live_server):
    org = open_org("Fuzz Inc")
    _, raw = scim_token_create(org=org, actor=Actor.system(), name="Fuzz",
                               scopes=list(scopes.MANAGED_USERS))
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {raw}", "Content-Type": "application/scim+json"})
    base = live_server.url + "/scim/v2"
    user_id = send(session, "POST", base + "/Users", json=user_body("fuzz@example.com")).json()["id"]
    return session, base, user_id


def test_users_fuzz(live):
    session, base, user_id = live

    @SETTINGS
    @given(method=st.sampled_from(["POST", "PUT", "PATCH"]), body=st.dictionaries(USER_KEYS, VALUES, max_size=4),
           ops=st.lists(st.fixed_dictionaries({"op": st.sampled_from(["add", "replace", "remove"])},
                                              optional={"path": TEXT | USER_KEYS, "value": VALUES}), max_size=3))
    def run(method, body, ops):
        if method == "PATCH":
            send(session, "PATCH", f"{base}/Users/{user_id}",
                 json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
        else:
            url = f"{base}/Users" if method == "POST" else f"{base}/Users/{user_id}"
            response = send(session, method, url, json={**user_body("fuzz2@example.com"), **body})
            if method == "POST" and response.status_code == 201:
                send(session, "DELETE", f"{base}/Users/{response.json()['id']}")

    run()


def test_groups_and_bulk_fuzz(live):
    session, base, user_id = live

    @SETTINGS
    @given(target=st.sampled_from(["Groups", "Bulk", "Me", "Users/"]), body=VALUES)
    def run(target, body):
        if target == "Bulk" and isinstance(body, list):
            body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": [{"method": "POST", "path": "/Groups", "data": item} for item in body]}
        response = send(session, "POST", f"{base}/{target}", json=body)
        if target == "Groups" and response.status_code == 201:
            send(session, "DELETE", f"{base}/Groups/{response.json()['id']}")

    run()


def test_filters_fuzz(live):
    session, base, _ = live

    @SETTINGS
    @given(resource=st.sampled_from(["Users", "Groups"]), text=FILTERS, sort=st.none() | TEXT | st.integers(),
           via_search=st.booleans())
    def run(resource, text, sort, via_search):
        if via_search:
            send(session, "POST", f"{base}/{resource}/.search", json={"filter": text, "sortBy": sort})
        else:
            params = {"filter": text.encode("utf-8", "surrogatepass")}
            send(session, "GET", f"{base}/{resource}", params=params)

    run()
