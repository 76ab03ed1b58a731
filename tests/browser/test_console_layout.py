"""Every console page at desktop (1366 px) and phone (390 px) width, with names as long as the models allow:
no horizontal scroll, no console errors, no failed requests; a full-page screenshot of each under
tests/artifacts/layout/."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from events.models import WebhookDelivery
from events.services import event_record, webhook_endpoint_create
from oauthapps import scopes
from oauthapps.models import Application
from oauthapps.services import api_key_create, application_create, scim_token_create
from scim.models import Group, ProvisioningEvent, ScimUser
from tenants import invitations, services
from tenants.audit import Actor
from tenants.models import Membership, Organization
from tenants.scoping import org_scope
from tests.browser.layout import scroll_width
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1366, "phone": 390}
LONG = "x" * 40


def _long_org():
    """An org whose every name is as long as its field allows and has no space to break at."""
    org = OrganizationFactory(name="Acme" + "W" * 196)
    owner = UserFactory(email="owner@acme.example", display_name="Owner" + "N" * 145)
    add_member(org, owner, Membership.Role.OWNER)
    add_member(org, UserFactory(email=f"{LONG}.member@acme.example", display_name="M" * 150), Membership.Role.ADMIN)
    actor = Actor.member(owner)
    invitations.invitation_create(org=org, actor=actor, email=f"{LONG}.invitee@acme.example", role="admin")
    domain = services.domain_add(org=org, actor=actor, name="sub-" + "d" * 50 + ".acme.example")
    okta, _ = application_create(
        org=org, actor=actor, grant_type=Application.GRANT_AUTHORIZATION_CODE, name="Okta" + "A" * 251,
        company_name="C" * 200, redirect_url="https://acme.okta.com/" + "p" * 200, scopes=list(scopes.MANAGED_USERS))
    entra, _ = application_create(
        org=org, actor=actor, grant_type=Application.GRANT_CLIENT_CREDENTIALS, name="Entra" + "E" * 250,
        scopes=list(scopes.MANAGED_USERS))
    scim_token_create(org=org, actor=actor, name="T" * 100, scopes=list(scopes.MANAGED_USERS))
    with org_scope(org):
        user = ScimUser.objects.create(org=org, user_name="u" * 200 + "@acme.example", display_name="D" * 200,
                                       external_id="e" * 100)
        group = Group.objects.create(org=org, display_name="G" * 200)
        group.memberships.create(org=org, user=user)
        ProvisioningEvent.objects.create(org=org, method="PATCH", path=f"/scim/v2/Users/{user.public_id}?" + "q" * 300,
                                         status=400, scim_type="invalidValue", credential_name="T" * 100,
                                         user_public_id=user.public_id)
    # The event first, through the service (it numbers the org's stream), then the endpoint it failed to reach.
    event = event_record(org=org, actor=actor, type="user.created", resource_type="User", resource_id=user.public_id,
                         data={})
    endpoint, _secret = webhook_endpoint_create(org=org, actor=actor, url="https://hooks.acme.example/" + "h" * 300,
                                                event_types=["user.created", "user.deactivated", "group.member_added"])
    api_key_create(org=org, actor=actor, name="K" * 100, access="read", role="admin", expires=None)
    with org_scope(org):
        WebhookDelivery.objects.create(org=org, endpoint=endpoint, event=event, attempts=3, response_code=500,
                                       error="Answered HTTP 500." + " r" * 100, next_attempt=timezone.now())
    removable = add_member(org, UserFactory(display_name="R" * 150))
    okta_url = reverse("console:oauth_app_detail", args=[okta.client_id])
    return {"owner": owner, "org": org, "urls": {
        "overview": reverse("console:index"),
        "members": reverse("console:members"),
        "member-remove": reverse("console:member_remove", args=[removable.public_id]),
        "domains": reverse("console:domains"),
        "domain": reverse("console:domain_detail", args=[domain.public_id]),
        "domain-delete": reverse("console:domain_delete", args=[domain.public_id]),
        "oauth-apps": reverse("console:oauth_apps"),
        "oauth-app-new": reverse("console:oauth_app_new"),
        "okta-app": okta_url,
        "okta-app-access": okta_url + "?tab=access",
        "okta-app-credentials": okta_url + "?tab=credentials",
        "entra-app": reverse("console:oauth_app_detail", args=[entra.client_id]),
        "entra-app-delete": reverse("console:oauth_app_delete", args=[entra.client_id]),
        "scim-tokens": reverse("console:scim_tokens"),
        "users": reverse("console:scim_users"),
        "user": reverse("console:scim_user", args=[user.public_id]),
        "groups": reverse("console:scim_groups"),
        "group": reverse("console:scim_group", args=[group.public_id]),
        "provisioning-log": reverse("console:provisioning_log"),
        "connection-test": reverse("console:connection_test"),
        "audit-log": reverse("console:audit_log"),
        "settings": reverse("console:settings"),
        "guides": reverse("console:guides"),
        "guide-entra": reverse("console:guide", args=["entra"]),
        "guide-okta-authorization-code": reverse("console:guide", args=["okta-authorization-code"]),
        "guide-okta-bearer-token": reverse("console:guide", args=["okta-bearer-token"]),
        "choose-org": reverse("console:choose_org"),
        "invitations": reverse("console:invitations"),
        "password-change": reverse("console:password_change"),
        "api-keys": reverse("console:api_keys"),
        "webhooks": reverse("console:webhooks"),
        "webhook": reverse("console:webhook_detail", args=[endpoint.public_id]),
        "webhook-delete": reverse("console:webhook_delete", args=[endpoint.public_id]),
    }}


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_console_page_fits_the_screen_with_the_longest_names(page, live_server, sign_in, screenshot, axe,
                                                                   page_problems, width):
    data = _long_org()
    problems = page_problems(page)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, data["owner"].email, TEST_PASSWORD)
    too_wide, inaccessible = {}, {}
    for name, url in data["urls"].items():
        page.goto(f"{live_server.url}{url}")
        laid_out_width = scroll_width(page)
        if laid_out_width > width:
            too_wide[url] = laid_out_width
        screenshot(page, f"layout/{width}/{name}")
        if found := axe(page):
            inaccessible[name] = found
    assert too_wide == {}, f"pages wider than {width} px: {too_wide}"
    assert inaccessible == {}, "\n".join(f"{name}: {found}" for name, found in inaccessible.items())
    assert problems == []


def test_at_phone_width_the_navigation_folds_into_a_menu(page, live_server, sign_in):
    data = _long_org()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, data["owner"].email, TEST_PASSWORD)
    members = page.locator(".console-nav").get_by_role("link", name="Members")
    expect(members).to_be_hidden()
    page.locator(".console-nav summary").click()
    members.click()
    expect(page.locator("h1")).to_have_text("Members")


def test_at_desktop_width_the_navigation_is_a_sidebar(page, live_server, sign_in):
    data = _long_org()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, data["owner"].email, TEST_PASSWORD)
    expect(page.locator(".console-nav summary")).to_be_hidden()
    expect(page.locator(".console-nav").get_by_role("link", name="Members")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_pages_before_sign_in_fit_and_are_accessible(page, live_server, screenshot, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    urls = {
        "sign-in": reverse("console:login"),
        "password-reset": reverse("accounts:password_reset"),
        "password-reset-sent": reverse("accounts:password_reset_sent"),
        "set-password-expired": reverse("accounts:set_password", args=["MQ", "set-password"]),
        "invitation-invalid": reverse("console:invitation_link", args=["no-such-invitation"]),
    }
    for name, url in urls.items():
        page.goto(f"{live_server.url}{url}")
        assert scroll_width(page) <= width, name
        expect(page.locator("#site-name")).to_contain_text("Identity console")
        screenshot(page, f"layout/{width}/{name}")
        assert axe(page) == [], name


def test_an_owner_runs_the_connection_test_at_phone_width(page, live_server, sign_in, screenshot, axe):
    data = _long_org()
    Organization.objects.filter(pk=data["org"].pk).update(require_verified_domains=False)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, data["owner"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}{reverse('console:guides')}")
    page.get_by_role("link", name="Test the SCIM connection").click()
    page.get_by_role("button", name="Run the test").click()
    expect(page.get_by_test_id("connection-test-result")).to_contain_text("Passed")
    assert scroll_width(page) <= 390
    screenshot(page, "layout/390/connection-test-passed")
    assert axe(page) == []
