import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import body_of, user_body


def listed(response):
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def user_names(scim, filter_text, **params):
    query = "&".join(f"{key}={quote(str(value))}" for key, value in {"filter": filter_text, **params}.items())
    body = listed(scim.get(f"/Users?{query}"))
    return sorted(resource["userName"] for resource in body["Resources"])


@pytest.fixture
def two_orgs(scim, other_scim):
    """Both orgs hold a@example.com and b@example.com; only ours holds c and only theirs holds z."""
    for name, title in (("a@example.com", "Engineer"), ("b@example.com", "Manager"), ("c@example.com", "Engineer")):
        assert scim.post("/Users", user_body(name, title=title, externalId=f"ext-{name}")).status_code == 201
    for name in ("a@example.com", "b@example.com", "z@example.com"):
        assert other_scim.post("/Users", user_body(name, title="Engineer", externalId=f"ext-{name}")).status_code == 201
    return scim, other_scim


FILTERS_AND_OUR_MATCHES = [
    ('userName eq "a@example.com" or userName eq "b@example.com"', ["a@example.com", "b@example.com"]),
    ('userName eq "z@example.com"', []),
    ('userName eq "z@example.com" or title eq "Engineer"', ["a@example.com", "c@example.com"]),
    ('not (userName eq "a@example.com")', ["b@example.com", "c@example.com"]),
    ('userName ne "a@example.com"', ["b@example.com", "c@example.com"]),
    ("userName pr", ["a@example.com", "b@example.com", "c@example.com"]),
    ('userName co "example"', ["a@example.com", "b@example.com", "c@example.com"]),
    ('userName sw "A"', ["a@example.com"]),
    ('userName ew ".COM" and title eq "manager"', ["b@example.com"]),
    ('userName gt "b"', ["b@example.com", "c@example.com"]),
    ('userName le "b@example.com"', ["a@example.com", "b@example.com"]),
    ('emails[type eq "work" and value co "b@"]', ["b@example.com"]),
    ('emails[type eq "work"].value eq "c@example.com"', ["c@example.com"]),
    ('emails.value sw "c@"', ["c@example.com"]),
    ('name.familyName eq "user" and (title eq "Manager" or userName eq "c@example.com")', ["b@example.com", "c@example.com"]),
    ('USERNAME eq "a@example.com"', ["a@example.com"]),
    ('externalId eq "ext-z@example.com"', []),
    ('externalId eq "ext-a@example.com"', ["a@example.com"]),
    ('externalId eq "EXT-A@example.com"', []),  # caseExact (RFC 7643 §3.1)
    ('externalId sw "ext-b"', ["b@example.com"]),
    ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "c@example.com"', ["c@example.com"]),
    ("active eq true", ["a@example.com", "b@example.com", "c@example.com"]),
    ('meta.lastModified gt "2000-01-01T00:00:00Z"', ["a@example.com", "b@example.com", "c@example.com"]),
    ('meta.lastModified lt "2000-01-01T00:00:00Z"', []),
]


@pytest.mark.parametrize("filter_text,expected", FILTERS_AND_OUR_MATCHES)
def test_every_filter_form_returns_only_the_callers_users(two_orgs, filter_text, expected):
    scim, _ = two_orgs
    assert user_names(scim, filter_text) == expected


def test_total_results_counts_each_user_once_across_email_joins(scim):
    body = user_body("multi@example.com")
    body["emails"] = [{"value": "multi@example.com", "type": "work", "primary": True},
                      {"value": "multi2@example.com", "type": "home"}]
    scim.post("/Users", body)
    listing = listed(scim.get("/Users?filter=" + quote('emails co "multi"')))
    assert listing["totalResults"] == 1 and len(listing["Resources"]) == 1


@pytest.mark.parametrize("filter_text", [
    'nickname2 eq "x"', 'phoneNumbers.value eq "1"', 'userName eq "a" or roles eq "admin"',
    'userName xx "a"', "userName eq", 'active eq "yes"', 'meta.lastModified gt "yesterday"',
    'urn:example:custom:field eq "1"', "externalId eq jyoung", '(userName eq "a"',
])
def test_unsupported_or_malformed_filters_are_400_invalid_filter(scim, filter_text):
    response = scim.get("/Users?filter=" + quote(filter_text))
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["scimType"] == "invalidFilter" and body["status"] == "400"


def test_filter_with_plus_for_spaces(two_orgs):
    scim, _ = two_orgs
    body = listed(scim.get("/Users?filter=userName+eq+%22a%40example.com%22"))
    assert body["totalResults"] == 1


def test_sort_by_and_sort_order(two_orgs):
    scim, _ = two_orgs
    assert [r["userName"] for r in listed(scim.get("/Users?sortBy=userName&sortOrder=descending"))["Resources"]] == [
        "c@example.com", "b@example.com", "a@example.com"]
    assert scim.get("/Users?sortBy=emails").status_code == 400


def test_paging_with_start_index_and_count(two_orgs):
    scim, _ = two_orgs
    page = listed(scim.get("/Users?startIndex=2&count=1&sortBy=userName"))
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert page["Resources"][0]["userName"] == "b@example.com"
    assert listed(scim.get("/Users?count=0"))["Resources"] == []
    assert listed(scim.get("/Users?count=1000"))["itemsPerPage"] == 3


def test_search_endpoint_takes_the_same_parameters_in_the_body(two_orgs):
    scim, _ = two_orgs
    body = listed(scim.post("/Users/.search", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "a@example.com" or userName eq "b@example.com"',
        "attributes": ["userName"], "sortBy": "userName", "startIndex": 1, "count": 10,
    }))
    assert [r["userName"] for r in body["Resources"]] == ["a@example.com", "b@example.com"]
    assert set(body["Resources"][0]) == {"schemas", "id", "userName"}


def test_attributes_and_excluded_attributes(two_orgs):
    scim, _ = two_orgs
    only = listed(scim.get("/Users?attributes=userName,name.familyName&count=1"))["Resources"][0]
    assert set(only) == {"schemas", "id", "userName", "name"} and only["name"] == {"familyName": "User"}
    without = listed(scim.get("/Users?excludedAttributes=emails,meta&count=1"))["Resources"][0]
    assert "emails" not in without and "meta" not in without and "userName" in without


ATTRIBUTES = st.sampled_from(["userName", "title", "externalId", "emails.value", "name.familyName", "displayName"])
OPERATORS = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "lt"])
VALUES = st.sampled_from(["a@example.com", "b@example.com", "z@example.com", "Engineer", "ext-z", "User", "z", ""])


@st.composite
def filters(draw, depth=0):
    if depth < 2 and draw(st.booleans()):
        left, right = draw(filters(depth=depth + 1)), draw(filters(depth=depth + 1))
        combined = f"({left}) {draw(st.sampled_from(['and', 'or']))} ({right})"
        return f"not ({combined})" if draw(st.booleans()) else combined
    attribute = draw(ATTRIBUTES)
    if draw(st.integers(0, 6)) == 0:
        return f"{attribute} pr"
    return f'{attribute} {draw(OPERATORS)} "{draw(VALUES)}"'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filter_text=filters())
def test_generated_filters_never_return_another_orgs_user(two_orgs, filter_text):
    scim, other = two_orgs
    ours = {r["id"] for r in listed(scim.get("/Users?count=200"))["Resources"]}
    response = scim.get("/Users?count=200&filter=" + quote(filter_text))
    assert response.status_code == 200, (filter_text, response.content)
    found = {r["id"] for r in json.loads(response.content)["Resources"]}
    assert found <= ours, filter_text


def test_user_name_eq_uses_the_lower_index_expression(scim, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        scim.get("/Users?filter=" + quote('userName eq "A@example.com"'))
    assert any(re.search(r'LOWER\((U\d+|"scim_scimuser")\."user_name"\) = ', q["sql"]) for q in context.captured_queries)


def answers_of_the_translator_and_the_prepared_path(scim, monkeypatch, text, page="", prepared=True):
    """(the list the translator gives for `text`, parenthesised; the list `text` itself gets), the second
    refused the translator's selector when `prepared`."""
    from scim import selectors

    general = body_of(scim.get("/Users?filter=" + quote(f"({text})") + page))
    if prepared:
        monkeypatch.setattr(selectors, "scim_users_page", None)
    return general, body_of(scim.get("/Users?filter=" + quote(text) + page))


@pytest.mark.parametrize("text, expected", [
    ('userName eq "ANN@example.com"', ["ann@example.com"]),   # case-insensitive, as RFC 7643 says
    ('USERNAME EQ "bob@example.com"', ["bob@example.com"]),
    ('externalId eq "ext-ann"', ["ann@example.com"]),
    ('externalId eq "EXT-ANN"', []),                          # caseExact
    ('userName eq ""', []),
])
def test_the_idps_lookup_is_one_prepared_query_with_the_translators_answer(scim, text, expected, monkeypatch):
    for name in ("ann", "bob"):
        scim.post("/Users", {**user_body(f"{name}@example.com"), "externalId": f"ext-{name}"})
    general, body = answers_of_the_translator_and_the_prepared_path(scim, monkeypatch, text)
    assert [user["userName"] for user in body["Resources"]] == expected
    assert body == general and body["totalResults"] == len(expected)


@pytest.mark.parametrize("prefix", ["ANN", "a", "ann_", "an%", "b\\", "zed", ""])
@pytest.mark.parametrize("page", ["", "&count=1", "&count=2", "&startIndex=2&count=1", "&count=0",
                                  "&sortBy=userName&sortOrder=descending"])
def test_a_username_prefix_answers_as_the_translator_would(scim, prefix, page, monkeypatch):
    for name in ("ann_a", "ann%b", "annie", "b\\c", "bob"):
        scim.post("/Users", user_body(f"{name}@example.com"))
    prepared = not any(other in page for other in ("startIndex=2", "count=0", "sortBy"))  # the prepared path's cases
    general, body = answers_of_the_translator_and_the_prepared_path(
        scim, monkeypatch, f'userName sw "{prefix}"', page, prepared)
    assert body == general


def test_the_prepared_lookup_pages_and_validates_like_any_list(scim):
    scim.post("/Users", user_body("ann@example.com"))
    lookup = "/Users?filter=" + quote('userName eq "ann@example.com"')
    past = body_of(scim.get(lookup + "&startIndex=2"))
    assert past["totalResults"] == 1 and past["Resources"] == [] and past["startIndex"] == 2
    for bad in ("&sortBy=nothing", "&count=x"):
        assert scim.get(lookup + bad).status_code == 400
