"""The invitation journey in a real browser: an owner invites an existing account's e-mail; that
person signs in, sees the invitation, accepts it and reaches the org's console (issue 12)."""

import pytest
from playwright.sync_api import expect

from tenants.models import Membership
from tenants.scoping import org_scope
from tests.browser.layout import scroll_width
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390], ids=["desktop", "phone"])
def test_an_existing_account_accepts_an_invitation_and_reaches_the_orgs_console(
        page, live_server, sign_in, screenshot, nav, width):
    page.set_viewport_size({"width": width, "height": 900})
    acme, globex = OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")
    owner = UserFactory(email="owner@acme.example")
    add_member(acme, owner, Membership.Role.OWNER)
    dana = UserFactory(email="dana@globex.example")  # an account already: Globex's admin
    add_member(globex, dana, Membership.Role.ADMIN)

    sign_in(page, owner.email, TEST_PASSWORD)
    nav(page, "Members")
    page.get_by_label("E-mail").fill("Dana@Globex.example")
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".messagelist")).to_contain_text("Invited dana@globex.example")
    expect(page.locator("#invitations")).to_contain_text("dana@globex.example")
    expect(page.locator("#members")).not_to_contain_text("dana@globex.example")
    screenshot(page, f"layout/{width}/invitation-pending")
    with org_scope(acme):
        assert not Membership.objects.filter(user=dana).exists()  # not before she accepts

    page.context.clear_cookies()
    sign_in(page, dana.email, TEST_PASSWORD)
    expect(page.get_by_test_id("current-org")).to_have_text("Globex")
    page.get_by_role("link", name="Your invitations").click()
    row = page.locator('#your-invitations tr[data-invitation="Acme"]')
    expect(row).to_contain_text("Admin")
    screenshot(page, f"layout/{width}/invitation-yours")
    assert scroll_width(page) <= width
    row.get_by_role("button", name="Accept").click()

    expect(page.get_by_test_id("current-org")).to_have_text("Acme")
    expect(page.locator(".messagelist")).to_contain_text("You joined Acme")
    nav(page, "Members")
    expect(page.locator("#members")).to_contain_text("dana@globex.example")
    screenshot(page, f"layout/{width}/invitation-accepted")
    with org_scope(acme):
        assert Membership.objects.get(user=dana).role == Membership.Role.ADMIN
