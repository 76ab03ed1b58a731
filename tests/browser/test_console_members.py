import pytest
from playwright.sync_api import expect

from oauthapps import scopes
from oauthapps.services import application_create, scim_token_create
from tenants import services
from tenants.audit import Actor
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
    expect(page.locator(".messagelist")).to_contain_text("Invited new.admin@acme.example")
    expect(page.locator("#invitations")).to_contain_text("new.admin@acme.example")
    screenshot(page, "console-members")


def test_an_admin_of_another_org_sees_nothing_of_it(page, live_server, sign_in):
    acme, globex = OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")
    add_member(acme, UserFactory(email="owner@acme.example"), Membership.Role.OWNER)
    globex_admin = UserFactory(email="admin@globex.example")
    add_member(globex, globex_admin, Membership.Role.ADMIN)

    acme_owner = UserFactory(email="boss@acme.example")
    add_member(acme, acme_owner, Membership.Role.OWNER)
    services.domain_add(org=acme, actor=Actor.member(acme_owner), name="acme.example")
    acme_app, _ = application_create(org=acme, actor=Actor.member(acme_owner), grant_type="client-credentials",
                                     name="Acme Entra", scopes=list(scopes.MANAGED_USERS))
    scim_token_create(org=acme, actor=Actor.member(acme_owner), name="Acme Okta token", scopes=list(scopes.MANAGED_USERS))

    sign_in(page, globex_admin.email, TEST_PASSWORD)
    page.get_by_role("link", name="Members").click()
    expect(page.locator("#members")).to_contain_text("admin@globex.example")
    for label in ("Overview", "Members", "Domains", "OAuth apps", "SCIM tokens", "Users", "Provisioning log",
                  "Settings", "Setup guides"):
        page.locator(".console-nav").get_by_role("link", name=label, exact=True).click()
        for acme_text in ("acme.example", "Acme", acme_app.client_id):
            expect(page.locator("body")).not_to_contain_text(acme_text)
    page.goto(f"{live_server.url}/console/oauth-apps/{acme_app.client_id}/")
    expect(page.locator("body")).not_to_contain_text("Acme Entra")
    page.goto(f"{live_server.url}/console/guides/entra/?app={acme_app.client_id}")
    expect(page.locator("body")).not_to_contain_text(acme_app.client_id)
