"""The issue's browser journey: an owner sets up a domain, a client-credentials app, a SCIM token and the Entra guide."""

import re

import pytest
from playwright.sync_api import expect

from oauthapps.models import Application
from tenants.models import Domain, Membership
from tenants.scoping import org_scope
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nav(page, label):
    page.locator(".console-nav").get_by_role("link", name=label, exact=True).click()


def _create_client_credentials_app(page, screenshot):
    _nav(page, "OAuth apps")
    screenshot(page, "console-oauth-apps-empty")
    page.get_by_role("link", name="New OAuth app").first.click()
    page.get_by_role("radio", name=re.compile("Client credentials")).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name").fill("Entra provisioning")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Select all managed-users").check()
    screenshot(page, "console-oauth-app-wizard-scopes")
    page.get_by_role("button", name="Create and show the secret").click()


def _copy_secret(page) -> str:
    secret = page.locator("#client-secret").inner_text().strip()
    page.locator("button[data-copy-target='client-secret']").click()
    expect(page.locator("button[data-copy-target='client-secret']")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    return secret


def _finish_after_got_it(page):
    finish = page.get_by_role("button", name="Finish")
    expect(finish).to_be_disabled()
    page.get_by_label(re.compile("Got it!")).check()
    expect(finish).to_be_enabled()
    finish.click()


def test_owner_sets_up_entra_provisioning_end_to_end(page, live_server, sign_in, screenshot):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    native_dialogs = []
    page.on("dialog", lambda dialog: (native_dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, owner.email, TEST_PASSWORD)

    _nav(page, "Domains")
    screenshot(page, "console-domains-empty")
    page.get_by_label("Domain").fill("acme.example")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator(".messagelist")).to_contain_text("Added acme.example")
    expect(page.locator("#dns-record-name")).to_contain_text("acme.example")
    with org_scope(org):
        domain = Domain.objects.get(name="acme.example")
        application_count = Application.objects.count()
    assert application_count == 0
    expect(page.locator("#dns-record-value")).to_contain_text(domain.token)
    screenshot(page, "console-domain-detail")

    _create_client_credentials_app(page, screenshot)
    with org_scope(org):
        application = Application.objects.get(name="Entra provisioning")
    expect(page.locator("#client-id")).to_have_text(application.client_id)
    secret = _copy_secret(page)
    screenshot(page, "console-oauth-app-copy-secret")

    page.reload()
    expect(page.locator("body")).not_to_contain_text(secret)
    expect(page.locator("#client-secret")).to_have_count(0)
    screenshot(page, "console-oauth-app-secret-gone")

    page.goto(f"{live_server.url}/console/oauth-apps/")
    page.get_by_role("link", name="Entra provisioning").click()
    expect(page.locator("body")).not_to_contain_text(secret)
    screenshot(page, "console-oauth-app-detail")

    page.get_by_role("link", name="Credentials").click()
    expect(page.get_by_label("Keep the old secret working for (days)")).to_have_value("7")
    page.get_by_role("button", name="Rotate secret").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate secret").click()
    new_secret = page.locator("#client-secret").inner_text().strip()
    assert new_secret and new_secret != secret
    _finish_after_got_it(page)
    page.get_by_role("link", name="Credentials").click()
    expect(page.locator("#tab-credentials")).to_contain_text("Previous secret")
    expect(page.locator("body")).not_to_contain_text(new_secret)
    screenshot(page, "console-oauth-app-credentials")

    _nav(page, "SCIM tokens")
    screenshot(page, "console-scim-tokens")
    page.get_by_label("Name").fill("Okta bearer")
    page.get_by_role("button", name="Generate token").click()
    expect(page.locator("#scim-token")).not_to_be_empty()
    _finish_after_got_it(page)
    expect(page.locator("#scim-tokens")).to_contain_text("Okta bearer")
    revoke = page.locator("#scim-tokens").get_by_role("button", name="Revoke")
    revoke.click()
    # The console's own dialog (not the browser's confirm()): Cancel keeps the token.
    expect(page.get_by_role("dialog")).to_contain_text("Revoke Okta bearer (idadmin_scim_…")
    screenshot(page, "console-confirm-dialog")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#scim-tokens")).to_contain_text("Okta bearer")
    revoke.click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    assert native_dialogs == []
    expect(page.locator(".messagelist")).to_contain_text("Revoked Okta bearer")
    expect(page.locator("#scim-tokens-empty")).to_be_visible()

    _nav(page, "Setup guides")
    screenshot(page, "console-guides")
    page.get_by_role("link", name=re.compile("Microsoft Entra ID")).click()
    expect(page.get_by_test_id("guide-client-id")).to_have_text(application.client_id)
    expect(page.locator("#guide-steps")).to_contain_text("Test Connection")
    screenshot(page, "console-guide-entra")

    for label, name in (("Overview", "console-overview-set-up"), ("Users", "console-users-empty"),
                        ("Provisioning log", "console-provisioning-log"), ("Settings", "console-settings")):
        _nav(page, label)
        screenshot(page, name)
    expect(page.get_by_label("Organization name")).to_have_value("Acme")


def test_the_wizard_cannot_finish_before_got_it(page, live_server, sign_in, screenshot):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    sign_in(page, owner.email, TEST_PASSWORD)
    _create_client_credentials_app(page, screenshot)
    page.get_by_role("button", name="Finish").click(force=True, timeout=2000)
    expect(page.locator("#client-secret")).to_be_visible()
