"""Users, a user's page and the provisioning log in the browser, with a directory the IdP filled."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from tenants.models import Membership
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member
from tests.scim.conftest import scim_client_for, user_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_searches_users_opens_one_and_sees_its_history(page, live_server, sign_in, screenshot):
    org = OrganizationFactory(name="Acme", require_verified_domains=False)
    admin = UserFactory(email="admin@acme.example")
    add_member(org, admin, Membership.Role.ADMIN)
    scim = scim_client_for(Client(), org, name="Okta")
    for name in ("ann", "bob", "cid"):
        scim.post("/Users", user_body(f"{name}@example.com", externalId=f"okta-{name}"))
    scim.post("/Users", user_body("dan@example.com", active=False))

    sign_in(page, admin.email, TEST_PASSWORD)
    expect(page.get_by_test_id("users-active")).to_have_text("3")
    expect(page.locator("#overview-events")).to_contain_text("POST /scim/v2/Users")
    screenshot(page, "console-overview-with-users")

    page.locator(".console-nav").get_by_role("link", name="Users", exact=True).click()
    expect(page.locator("#idp-source-of-truth")).to_be_visible()
    expect(page.locator("#scim-users tbody tr")).to_have_count(4)
    screenshot(page, "console-users")
    page.get_by_label("Status").select_option("no")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#scim-users tbody tr")).to_have_count(1)
    page.get_by_label("Status").select_option("")
    page.get_by_label("Search users").fill("okta-bob")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="bob@example.com").click()
    expect(page.locator("#user-attributes")).to_contain_text("okta-bob")
    expect(page.locator("#user-history")).to_contain_text("POST")
    screenshot(page, "console-user-detail")

    page.locator(".console-nav").get_by_role("link", name="Provisioning log", exact=True).click()
    expect(page.locator("#provisioning-log")).to_contain_text("Okta")
    screenshot(page, "console-provisioning-log-with-events")
