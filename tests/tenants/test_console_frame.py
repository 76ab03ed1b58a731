"""The frame around every console page and the pages a person meets outside it: the product's name and
mark, never Django admin's branding, links or sidebar (issue 16, defects 3, 4, 6 and 8)."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tenants.models import Membership
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db

ADMIN_BRANDING = ("Django administration", "Django site admin", "quality time", 'href="/admin/"',
                  "Start typing to filter", "permission to view or edit anything", 'class="breadcrumbs"')


def assert_product_page(response):
    body = response.content.decode()
    assert "Identity console" in body
    assert body.count("<h1") == 1, f"not one page heading on {response.request['PATH_INFO']}"  # "Join Acme" twice
    for text in ADMIN_BRANDING:
        assert text not in body, f"{text!r} on {response.request['PATH_INFO']}"


def test_a_member_who_cannot_use_the_console_sees_no_admin_sidebar(client, org):
    member = UserFactory()
    add_member(org, member, Membership.Role.MEMBER)
    client.force_login(member)
    response = client.get(reverse("console:index"))
    assert response.status_code == 403
    assert_product_page(response)
    assert 'id="nav-sidebar"' not in response.content.decode()


def test_the_staff_admin_keeps_its_sidebar(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert 'id="nav-sidebar"' in client.get(reverse("admin:accounts_user_changelist")).content.decode()


def test_signing_out_says_so_in_the_products_words(owner_client):
    response = owner_client.post(reverse("console:logout"))
    assert_product_page(response)
    assert "You are signed out" in response.content.decode()


def test_changing_the_password_is_a_console_page(owner_client):
    response = owner_client.get(reverse("console:password_change"))
    assert_product_page(response)
    response = owner_client.post(reverse("console:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "another-long-passphrase-42", "new_password2": "another-long-passphrase-42"},
        follow=True)
    assert_product_page(response)
    assert "Your password is changed" in response.content.decode()


@pytest.mark.parametrize("url", [
    reverse("accounts:set_password", args=["MQ", "expired-token"]),
    reverse("accounts:set_password_done"),
    reverse("console:invitation_link", args=["no-such-invitation"]),
])
def test_pages_outside_the_console_carry_the_products_brand(client, url):
    assert_product_page(client.get(url))


def test_the_lockout_page_carries_the_products_brand(client, settings):
    victim = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("console:login"), {"username": victim.email, "password": "wrong"})
    assert "Too many sign-in attempts" in response.content.decode()
    assert_product_page(response)


def test_switch_organization_shows_only_with_a_second_org(client, org, owner):
    client.force_login(owner)
    assert "Switch organization" not in client.get(reverse("console:index")).content.decode()
    assert "several" not in client.get(reverse("console:choose_org")).content.decode()
    add_member(OrganizationFactory(name="Globex"), owner, Membership.Role.ADMIN)
    client.post(reverse("console:choose_org"), {"org": org.public_id})
    assert "Switch organization" in client.get(reverse("console:index")).content.decode()
    assert "You belong to 2 organizations" in client.get(reverse("console:choose_org")).content.decode()


def test_favicon_ico_is_the_products_mark(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("console/favicon.ico")
    assert finders.find("console/favicon.ico")


def test_every_console_page_links_the_mark_as_its_icon(owner_client):
    assert 'rel="icon"' in owner_client.get(reverse("console:index")).content.decode()
