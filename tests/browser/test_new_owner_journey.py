"""A new org owner's first session, in chromium at desktop (1366 px) and phone (390 px) width (issue 16):
turn on two-factor sign-in and sign in again with a code; add a domain and verify it through a real DNS
server; create an Entra (client credentials) and an Okta (authorization code) app in the wizard, copying
their secrets; run the connection test; make Entra's SCIM push fail and read why in the provisioning
log; invite a person who accepts in a second browser. A full-page screenshot of each step lands in
tests/artifacts/journey/<width>/; any console error, failed request or 4xx/5xx answer fails the test,
and so does a page wider than the screen."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail
from playwright.sync_api import expect

from tenants.models import Membership
from tenants.scoping import org_scope
from tests.browser.layout import scroll_width
from tests.browser.test_console_mfa import current_code
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member
from tests.oauthapps.oauth_flow import TOKEN_PATH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENTRA_USER_AGENT = "Microsoft.Azure.AAD/1.0 (SCIM provisioning)"
OKTA_REDIRECT_URL = "https://acme-admin.okta.com/admin/app/cpc/acme_scim/oauth/callback"


class Journey:
    """One browser page walked through the console: numbered screenshots, each page checked for width."""

    def __init__(self, page, screenshot, nav, width):
        self.page, self._screenshot, self._nav, self.width, self.shots = page, screenshot, nav, width, 0

    def shot(self, name: str, page=None):
        """A screenshot of this page (or another browser's `page`), numbered in the journey's order."""
        page = page or self.page
        self.shots += 1
        assert scroll_width(page) <= self.width, f"{name} scrolls sideways"
        self._screenshot(page, f"journey/{self.width}/{self.shots:02d}-{name}")

    def go(self, label: str):
        self._nav(self.page, label)
        expect(self.page.locator("h1")).to_contain_text(label)

    def copy(self, field_id: str) -> str:
        """Copy a secret with its Copy button; the clipboard holds exactly what the page shows."""
        value = self.page.locator(f"#{field_id}").inner_text().strip()
        button = self.page.locator(f"button[data-copy-target='{field_id}']")
        button.click()
        expect(button).to_have_text("Copied")
        assert self.page.evaluate("navigator.clipboard.readText()") == value
        return value

    def new_app(self, grant_type: str, name: str, shot: str, **details) -> tuple[str, str]:
        """The wizard from the OAuth apps page: grant type, details, every managed-users scope, copy the
        secret, Got it!, Finish. Returns the client ID and secret copied."""
        page = self.page
        self.go("OAuth apps")
        page.get_by_role("link", name="New OAuth app").first.click()
        page.get_by_role("radio", name=re.compile(grant_type)).check()
        page.get_by_role("button", name="Next").click()
        page.get_by_label("Name:", exact=True).fill(name)
        for label, value in details.items():
            page.get_by_label(label).fill(value)
        if details:
            self.shot(f"{shot}-details")
        page.get_by_role("button", name="Next").click()
        page.get_by_label("Select all managed-users").check()
        page.get_by_role("button", name="Create and show the secret").click()
        expect(page.locator(".oauthapps-steps [aria-current=step]")).to_have_text("Copy secret")
        client_id, secret = self.copy("client-id"), self.copy("client-secret")
        self.shot(f"{shot}-secret")
        page.get_by_label(re.compile("Got it!")).check()
        page.get_by_role("button", name="Finish").click()
        expect(page.locator("h1")).to_contain_text(name)
        return client_id, secret


def _entra_pushes_a_user_at_an_unverified_domain(live_server, client_id, secret) -> requests.Response:
    """What Entra does with the secret the owner pasted into it: a token, then a SCIM POST."""
    # A connection per request: a kept connection the test server had just closed was a flaky
    # RemoteDisconnected (requests does not retry a POST).
    token = requests.post(live_server.url + TOKEN_PATH, data={"grant_type": "client_credentials"},
                          auth=(client_id, secret), headers={"User-Agent": ENTRA_USER_AGENT}, timeout=30)
    assert token.status_code == 200, token.text
    return requests.post(
        f"{live_server.url}/scim/v2/Users", timeout=30,
        headers={"Authorization": f"Bearer {token.json()['access_token']}", "Content-Type": "application/scim+json",
                 "User-Agent": ENTRA_USER_AGENT},
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "pat@globex.example",
              "externalId": "pat-1", "active": True, "name": {"givenName": "Pat", "familyName": "Lee"},
              "emails": [{"value": "pat@globex.example", "type": "work", "primary": True}]})


@pytest.mark.parametrize("width", [1366, 390], ids=["desktop", "phone"])
def test_a_new_owner_sets_up_the_org_end_to_end(page, browser, live_server, sign_in, screenshot, nav, page_problems,
                                                dns_zone, width):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    page.set_viewport_size({"width": width, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    problems = page_problems(page)
    journey = Journey(page, screenshot, nav, width)

    # Two-factor sign-in: scan (here: read) the secret, confirm a code, keep the recovery codes.
    sign_in(page, owner.email, TEST_PASSWORD)
    expect(page.get_by_test_id("current-org")).to_have_text("Acme")
    journey.shot("overview-first-sign-in")
    page.get_by_role("link", name="Two-factor sign-in").click()
    secret = page.locator("#mfa-secret").inner_text().strip()
    journey.shot("mfa-setup")
    page.get_by_label("Code").fill(current_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    journey.shot("mfa-recovery-codes")
    page.get_by_role("button", name="Log out").click()
    sign_in(page, owner.email, TEST_PASSWORD)
    expect(page.get_by_label("Code")).to_be_visible()
    journey.shot("mfa-code-asked")
    page.get_by_label("Code").fill(current_code(secret, drift=1))  # the next window: a used code is refused
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("current-org")).to_have_text("Acme")

    # A domain, verified with the TXT record the page shows, published on a real DNS server.
    journey.go("Domains")
    page.get_by_label("Domain").fill("acme.example")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator(".messagelist")).to_contain_text("Added acme.example")
    journey.shot("domain-added")
    record_name = page.locator("#dns-record-name").inner_text().strip()
    dns_zone[record_name] = {"TXT": [page.locator("#dns-record-value").inner_text().strip()]}
    page.get_by_role("button", name="Verify now with DNS").click()
    expect(page.locator(".messagelist")).to_contain_text("Verified acme.example")
    journey.shot("domain-verified")

    # Both kinds of app through the wizard, each secret copied on the one page that shows it.
    entra_id, entra_secret = journey.new_app("Client credentials", "Entra provisioning", "entra-app")
    okta_id, _ = journey.new_app("Authorization code", "Okta provisioning", "okta-app",
                                 **{"Redirect URL": OKTA_REDIRECT_URL})
    assert okta_id != entra_id
    journey.shot("okta-app-detail")

    # The connection test from the app's page: every step an IdP takes answers as expected.
    page.get_by_role("link", name="Test the SCIM connection").click()
    page.get_by_role("button", name="Run the test").click()
    expect(page.get_by_test_id("connection-test-result")).to_contain_text("Passed")
    expect(page.locator("#connection-test-steps .console-failed")).to_have_count(0)
    journey.shot("connection-test-passed")

    # Entra pushes someone at a domain the org has not verified: the log says what and what to do.
    refused = _entra_pushes_a_user_at_an_unverified_domain(live_server, entra_id, entra_secret)
    assert refused.status_code == 400, refused.text
    journey.go("Provisioning log")
    page.get_by_label("Outcome").select_option("errors")
    page.get_by_role("button", name="Filter").click()
    failed = page.locator("#provisioning-log tr.console-failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("POST /scim/v2/Users")
    expect(failed).to_contain_text("Microsoft Entra ID")
    expect(failed.get_by_test_id("event-detail")).to_contain_text("globex.example")
    expect(failed.get_by_test_id("event-hint")).to_contain_text(
        "Microsoft Entra ID pushed a user whose domain is not verified: verify globex.example under Domains")
    journey.shot("provisioning-log-explains")

    # Invite a new person as admin; they accept from the e-mailed link in a browser of their own.
    journey.go("Members")
    page.get_by_label("E-mail").fill("sam@acme.example")
    page.get_by_label("Name").fill("Sam Rivera")
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("#invitations")).to_contain_text("sam@acme.example")
    journey.shot("invitation-pending")
    [invitation_mail] = [message for message in mail.outbox if "sam@acme.example" in message.to]
    link = re.search(r"https?://\S+/console/invitations/link/\S+/", invitation_mail.body).group(0)

    sam_context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        sam = sam_context.new_page()
        sam_problems = page_problems(sam)
        sam.goto(live_server.url + urlsplit(link).path)
        expect(sam.locator("h1")).to_have_text("Join Acme")
        journey.shot("invitee-chooses-password", sam)
        sam.get_by_label("New password:", exact=True).fill("a-long-enough-passphrase-42")
        sam.get_by_label("New password confirmation:").fill("a-long-enough-passphrase-42")
        sam.get_by_role("button", name="Accept and save password").click()
        expect(sam.get_by_test_id("current-org")).to_have_text("Acme")
        journey.shot("invitee-in-the-console", sam)
        assert sam_problems == []
    finally:
        sam_context.close()

    page.reload()
    expect(page.locator("#invitations")).to_have_count(0)
    expect(page.locator("#members tr[data-member='sam@acme.example']")).to_contain_text("Admin")
    journey.shot("invitee-is-a-member")
    with org_scope(org):
        assert Membership.objects.get(user__email="sam@acme.example").role == Membership.Role.ADMIN
    assert problems == []
