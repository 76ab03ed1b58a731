import pytest
from playwright.sync_api import expect

from tenants.models import Membership
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_signs_in_and_invites_a_member(page, live_server, sign_in, screenshot):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)

    sign_in(page, owner.email, TEST_PASSWORD)
    expect(page.get_by_test_id("current-org")).to_have_text("Acme")
    screenshot(page, "console-overview")

    page.get_by_role("link", name="Members").click()
    page.get_by_label("E-mail").fill("new.admin@acme.example")
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".messagelist")).to_contain_text("Added new.admin@acme.example")
    expect(page.locator("#members")).to_contain_text("new.admin@acme.example")
    screenshot(page, "console-members")


def test_an_admin_of_another_org_sees_nothing_of_it(page, live_server, sign_in):
    acme, globex = OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")
    add_member(acme, UserFactory(email="owner@acme.example"), Membership.Role.OWNER)
    globex_admin = UserFactory(email="admin@globex.example")
    add_member(globex, globex_admin, Membership.Role.ADMIN)

    sign_in(page, globex_admin.email, TEST_PASSWORD)
    page.get_by_role("link", name="Members").click()
    expect(page.locator("#members")).to_contain_text("admin@globex.example")
    expect(page.locator("body")).not_to_contain_text("acme.example")
    expect(page.locator("body")).not_to_contain_text("Acme")
