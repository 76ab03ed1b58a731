from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scim import selectors
from scim.models import ScimUser
from tenants.scoping import org_scope

from .conftest import scim_client_for, user_body
from .test_console_and_admin import console_client_for


def _provision(org, *names, **extra):
    scim = scim_client_for(Client(), org)
    for name in names:
        scim.post("/Users", user_body(f"{name}@example.com", **extra))
    return scim


def _users_page(console, **query):
    return console.get(reverse("console:scim_users"), query)


def test_users_filter_by_active_and_search_by_external_id(client, scim_org):
    _provision(scim_org, "ann", "bob")
    _provision(scim_org, "cid", active=False, externalId="okta-00cid")
    console = console_client_for(client, scim_org)
    assert [u.user_name for u in _users_page(console, active="no").context["users"]] == ["cid@example.com"]
    assert [u.user_name for u in _users_page(console, active="yes").context["users"]] == ["ann@example.com", "bob@example.com"]
    assert [u.user_name for u in _users_page(console, q="okta-00cid").context["users"]] == ["cid@example.com"]
    page = _users_page(console).content.decode()
    assert 'id="idp-source-of-truth"' in page


def test_users_are_keyset_paged_by_username_without_counting(client, scim_org, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    _provision(scim_org, "dan", "Ann", "cid", "bob", "eve")
    console = console_client_for(client, scim_org)
    with CaptureQueriesContext(connection) as queries:
        first = _users_page(console)
    names = [u.user_name for u in first.context["users"]]
    assert names == ["Ann@example.com", "bob@example.com"]
    sqls = [q["sql"] for q in queries.captured_queries]
    user_queries = [sql for sql in sqls if 'FROM "scim_scimuser"' in sql]
    email_queries = [sql for sql in sqls if 'FROM "scim_scimuseremail"' in sql]
    # One index-ordered page query plus one e-mail prefetch; no COUNT over the org's users.
    assert len(user_queries) == 1 and len(email_queries) == 1
    assert "LIMIT 3" in user_queries[0] and not any("COUNT(" in sql for sql in sqls)
    second = _users_page(console, after=first.context["next_key"])
    assert [u.user_name for u in second.context["users"]] == ["cid@example.com", "dan@example.com"]
    last = _users_page(console, after=second.context["next_key"])
    assert [u.user_name for u in last.context["users"]] == ["eve@example.com"] and last.context["next_key"] == ""


def test_a_filter_without_matches_and_an_empty_directory_say_what_to_do(client, scim_org):
    console = console_client_for(client, scim_org)
    assert "No users yet" in _users_page(console).content.decode()
    _provision(scim_org, "ann")
    assert "No users match these filters" in _users_page(console, q="nobody").content.decode()


def test_user_page_shows_attributes_and_provisioning_history(client, scim_org, other_scim_org):
    scim = _provision(scim_org, "ann", externalId="okta-00ann")
    with org_scope(scim_org):
        ann = ScimUser.objects.get()
    scim.patch(f"/Users/{ann.public_id}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                            "Operations": [{"op": "replace", "path": "active", "value": False}]})
    console = console_client_for(client, scim_org)
    page = console.get(reverse("console:scim_user", args=[ann.public_id])).content.decode()
    assert "okta-00ann" in page and "ann@example.com" in page and "Deactivated" in page
    history = page[page.index('id="user-history"'):]
    assert "PATCH" in history and "POST" in history
    _provision(other_scim_org, "zed")
    with org_scope(other_scim_org):
        zed = ScimUser.objects.get()
    assert console.get(reverse("console:scim_user", args=[zed.public_id])).status_code == 404
