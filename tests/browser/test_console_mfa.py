"""A new owner turns on two-factor sign-in and signs in with it, at desktop and phone width (issue 16)."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from tenants.models import Membership
from tests.browser.layout import scroll_width
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_code(secret: str, drift: int = 0) -> str:
    """The app's code; drift=1 is the next 30 s window's (a window used once is refused)."""
    return f"{totp(b32decode(secret), drift=drift):06d}"


@pytest.mark.parametrize("width", [1366, 390], ids=["desktop", "phone"])
def test_owner_turns_on_mfa_and_signs_in_with_a_code(page, live_server, sign_in, screenshot, axe, width):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, owner.email, TEST_PASSWORD)
    page.get_by_role("link", name="Two-factor sign-in").click()
    secret = page.locator("#mfa-secret").inner_text().strip()
    screenshot(page, f"layout/{width}/mfa-setup")
    assert axe(page) == []
    page.get_by_label("Code").fill(current_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    screenshot(page, f"layout/{width}/mfa-recovery-codes")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, owner.email, TEST_PASSWORD)
    expect(page.get_by_label("Code")).to_be_visible()
    assert scroll_width(page) <= width
    screenshot(page, f"layout/{width}/mfa-verify")
    assert axe(page) == []
    page.get_by_label("Code").fill(current_code(secret, drift=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("current-org")).to_have_text("Acme")
    assert page.url == f"{live_server.url}{reverse('console:index')}"
