"""Issue 12: reloading the "Copy the SCIM token" page in chromium (the browser re-posts the form)
creates no second token and does not show the secret again."""

import pytest
from playwright.sync_api import expect

from oauthapps.models import ScimToken
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reloading_the_copy_the_scim_token_page_makes_no_second_token(page, live_server, sign_in, screenshot):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    sign_in(page, owner.email, TEST_PASSWORD)

    page.get_by_role("link", name="SCIM tokens", exact=True).click()
    page.fill("#content input[name=name]", "Okta header")
    page.get_by_role("button", name="Generate token").click()
    expect(page.locator("h1")).to_contain_text("Copy the SCIM token")
    raw = page.locator("#scim-token").inner_text()
    assert raw

    posts = []
    page.on("request", lambda request: posts.append(request.method) if "scim-tokens/new" in request.url else None)
    page.on("dialog", lambda dialog: dialog.accept())  # "Confirm form resubmission", should one appear
    page.reload()

    assert posts == ["POST"]  # the reload re-posted the form
    expect(page.locator("h1")).to_contain_text("Secret already shown")
    assert raw not in page.content() and page.locator("#scim-token").count() == 0
    screenshot(page, "scim-token-reloaded")
    with org_scope(org):
        assert list(ScimToken.objects.values_list("name", flat=True)) == ["Okta header"]
