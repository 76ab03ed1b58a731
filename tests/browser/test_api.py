"""The management API in Debian's chromium: an owner creates an API key in the console and it opens
the API; the docs page (/api/v1/docs/) renders from our own static files under the strict CSP, with
no console error and no request leaving the server."""

import pytest
import requests
from playwright.sync_api import expect

from tenants.models import Membership
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_creates_an_api_key_that_opens_the_api(page, live_server, sign_in, screenshot):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    sign_in(page, owner.email, TEST_PASSWORD)

    page.get_by_role("link", name="API keys", exact=True).click()
    page.fill("#content input[name=name]", "Terraform")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("h1")).to_contain_text("Copy the API key")
    raw = page.locator("#api-key").inner_text()
    screenshot(page, "api-key-created")

    answer = requests.get(f"{live_server.url}/api/v1/organization/", headers={"Authorization": f"Bearer {raw}"},
                          timeout=30)
    assert answer.status_code == 200 and answer.json()["name"] == "Acme"

    page.get_by_label("Got it! I copied the key.").check()
    page.get_by_role("button", name="Finish").click()
    row = page.locator("#api-keys tr[data-key='Terraform']")
    expect(row).to_contain_text(raw[:20])
    expect(row).to_contain_text("Read and write")
    assert raw not in page.content()


def test_the_docs_page_renders_from_our_own_files_without_console_errors(page, live_server, screenshot):
    errors, foreign = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: None if request.url.startswith(live_server.url) or
            request.url.startswith("data:") else foreign.append(request.url))

    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Identity admin management API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/api/v1/organization/").first).to_be_visible()
    screenshot(page, "api-docs")
    assert errors == [] and foreign == []
