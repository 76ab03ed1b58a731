from django.test import Client
from django.urls import reverse

from scim.console import RECENT_EVENTS

from .conftest import scim_client_for, user_body
from .test_console_and_admin import console_client_for


def test_overview_counts_active_and_deactivated_users_and_lists_the_last_events(client, scim_org, other_scim_org):
    ours = scim_client_for(Client(), scim_org)
    for name in ("ann", "bob", "cid"):
        ours.post("/Users", user_body(f"{name}@example.com"))
    ours.post("/Users", user_body("dan@example.com", active=False))
    ours.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering"})
    for _ in range(RECENT_EVENTS):
        ours.get("/Users")
    theirs = scim_client_for(Client(), other_scim_org, name="Globex")
    theirs.post("/Users", user_body("zed@example.com"))
    theirs.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales"})
    response = console_client_for(client, scim_org).get(reverse("console:overview"))
    section = next(context for _template, context in response.context["sections"] if "events" in context)
    assert (section["users_active"], section["users_deactivated"], section["groups"]) == (3, 1, 1)
    assert len(section["events"]) == RECENT_EVENTS
    assert all(event.method == "GET" for event in section["events"])
    page = response.content.decode()
    assert 'data-testid="users-active"' in page and "Globex" not in page


def test_overview_without_scim_activity_says_what_to_do_next(client, scim_org):
    page = console_client_for(client, scim_org).get(reverse("console:overview")).content.decode()
    assert "No SCIM requests yet" in page
