"""GET /Groups: filters (displayName, externalId, members[value eq], id), paging, sorting, tenant isolation."""

import pytest

from .conftest import body_of, count_queries_of, group_body, make_users


def names(response):
    assert response.status_code == 200, response.content
    return [group["displayName"] for group in body_of(response)["Resources"]]


@pytest.fixture
def groups(scim):
    ann, bob = make_users(scim, 2)
    created = {
        "Alpha": body_of(scim.post("/Groups", group_body("Alpha", [ann], externalId="ext-a"))),
        "beta": body_of(scim.post("/Groups", group_body("beta", [ann, bob]))),
        "Gamma": body_of(scim.post("/Groups", group_body("Gamma"))),
    }
    return created, ann, bob


def test_display_name_eq_ignores_case(scim, groups):
    assert names(scim.get('/Groups?filter=displayName%20eq%20%22ALPHA%22')) == ["Alpha"]


def test_external_id_eq_is_case_exact(scim, groups):
    assert names(scim.get('/Groups?filter=externalId eq "ext-a"')) == ["Alpha"]
    assert names(scim.get('/Groups?filter=externalId eq "EXT-A"')) == []


def test_id_eq(scim, groups):
    created, _, _ = groups
    assert names(scim.get(f'/Groups?filter=id eq "{created["Gamma"]["id"]}"')) == ["Gamma"]


def test_members_value_filter_finds_the_groups_of_a_user(scim, groups):
    _, ann, bob = groups
    assert names(scim.get(f'/Groups?filter=members[value eq "{ann}"]')) == ["Alpha", "beta"]
    assert names(scim.get(f'/Groups?filter=members.value eq "{bob}"')) == ["beta"]


def test_or_filter_stays_inside_the_org(scim, other_scim, groups):
    other_scim.post("/Groups", group_body("Gamma"))
    found = names(scim.get('/Groups?filter=displayName eq "Gamma" or displayName eq "Alpha"'))
    assert sorted(found) == ["Alpha", "Gamma"]


def test_another_orgs_member_id_matches_nothing(scim, other_scim, groups):
    (foreign,) = make_users(other_scim, 1, prefix="globex")
    other_scim.post("/Groups", group_body("Theirs", [foreign]))
    assert names(scim.get(f'/Groups?filter=members[value eq "{foreign}"]')) == []


def test_unsupported_attribute_is_invalid_filter(scim, groups):
    response = scim.get('/Groups?filter=description eq "x"')
    assert response.status_code == 400 and body_of(response)["scimType"] == "invalidFilter"


def test_no_match_is_an_empty_list_response(scim, groups):
    body = body_of(scim.get('/Groups?filter=displayName eq "nobody"'))
    assert body["totalResults"] == 0 and body["Resources"] == []


def test_paging_and_sorting(scim, groups):
    page = body_of(scim.get("/Groups?sortBy=displayName&sortOrder=descending&startIndex=2&count=1"))
    assert page["totalResults"] == 3 and page["startIndex"] == 2 and page["itemsPerPage"] == 1
    assert [g["displayName"] for g in page["Resources"]] == ["beta"]


def test_list_shows_members(scim, groups):
    _, ann, bob = groups
    body = body_of(scim.get('/Groups?filter=displayName eq "beta"'))
    assert {m["value"] for m in body["Resources"][0]["members"]} == {ann, bob}


def test_group_list_queries_do_not_grow_with_groups_or_members(scim, django_assert_max_num_queries):
    users = make_users(scim, 6)
    for number in range(2):
        scim.post("/Groups", group_body(f"Small {number}", users[:2]))
    small = count_queries_of(lambda: scim.get("/Groups"))
    for number in range(20):
        scim.post("/Groups", group_body(f"More {number}", users))
    with django_assert_max_num_queries(small):
        body = body_of(scim.get("/Groups"))
    assert body["totalResults"] == 22 and sum(len(g["members"]) for g in body["Resources"]) == 2 * 2 + 20 * 6


def test_user_list_with_groups_keeps_a_constant_query_count(scim, django_assert_max_num_queries):
    users = make_users(scim, 2)
    scim.post("/Groups", group_body("First", users))
    small = count_queries_of(lambda: scim.get("/Users"))
    more = make_users(scim, 10, prefix="more")
    for number in range(5):
        scim.post("/Groups", group_body(f"Extra {number}", users + more))
    with django_assert_max_num_queries(small):
        body = body_of(scim.get("/Users"))
    assert all(len(user["groups"]) == 5 + (user["id"] in users) for user in body["Resources"])


def test_post_search_on_groups(scim, groups):
    response = scim.post("/Groups/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                             "filter": 'displayName eq "gamma"', "excludedAttributes": ["members"]})
    body = body_of(response)
    assert response.status_code == 200 and [g["displayName"] for g in body["Resources"]] == ["Gamma"]
    assert "members" not in body["Resources"][0]
