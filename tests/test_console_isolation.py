"""Console isolation, generated from the console's page registry (DESIGN.md invariant 1).

Every registered page is requested as: anonymous, a member (role member) of org A, an admin of org B,
and an admin of org A. A page whose URL names an object gets org A's object, so org B's admin must
get a 404 (the same as for an id that never existed) and change nothing; a page without one must
show org B's admin nothing of org A. A new page cannot skip this: a page whose URL takes arguments
fails here until OBJECT_KWARGS says how to build one for an org.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from events import signing
from events.models import Event, WebhookDelivery, WebhookEndpoint
from oauthapps.models import ApiKey, Application, ScimToken, hash_bearer_token
from scim.models import Group, ProvisioningEvent, ScimUser
from tenants.console_site import console_site
from tenants.models import Domain, Membership
from tenants.scoping import org_scope
from tests import org_binding
from tests.factories import OrganizationFactory, UserFactory, add_member

# Text that only org A's rows carry: org B's admin must never see it.
MARKER = "zq-org-a-only"


def _membership(org):
    return {"public_id": add_member(org, UserFactory(), Membership.Role.MEMBER).public_id}


def _object(model, url_kwarg: str, id_field: str, **lookup):
    """URL arguments naming org's row of `model` that matches `lookup` (a MARKER row made by _fill)."""

    def build(org):
        with org_scope(org):
            return {url_kwarg: getattr(model.objects.get(**lookup), id_field)}

    return build


def _invitation(org):
    from tenants.audit import Actor
    from tenants.invitations import invitation_create

    invitation = invitation_create(org=org, actor=Actor.system(), email=f"{MARKER}-invitee@example.com", role="member")
    return {"public_id": invitation.public_id}


_domain = _object(Domain, "public_id", "public_id", name=f"{MARKER}.example")
_application = _object(Application, "client_id", "client_id", name=f"{MARKER} app")
_scim_token = _object(ScimToken, "public_id", "public_id", name=f"{MARKER} token")
_api_key = _object(ApiKey, "public_id", "public_id", name=f"{MARKER} key")
_scim_user = _object(ScimUser, "public_id", "public_id", user_name=f"{MARKER}@example.com")
_group = _object(Group, "group_id", "public_id", display_name=f"{MARKER} group")
_webhook = _object(WebhookEndpoint, "public_id", "public_id", url=f"https://{MARKER}.example/hooks")


def _webhook_delivery(org):
    with org_scope(org):
        delivery = WebhookDelivery.objects.select_related("endpoint").get(endpoint__url=f"https://{MARKER}.example/hooks")
        return {"public_id": delivery.endpoint.public_id, "delivery_id": delivery.public_id}


# page name -> the URL arguments naming one of the org's objects. None: the arguments name nothing
# of any org (the page is the same kind of page for every org).
OBJECT_KWARGS = {
    "member_change_role": _membership,
    "member_remove": _membership,
    "invitation_resend": _invitation,
    "invitation_revoke": _invitation,
    "domain_detail": _domain,
    "domain_verify": _domain,
    "domain_delete": _domain,
    "oauth_app_detail": _application,
    "oauth_app_edit": _application,
    "oauth_app_scopes": _application,
    "oauth_app_rotate": _application,
    "oauth_app_status": _application,
    "oauth_app_delete": _application,
    "scim_token_revoke": _scim_token,
    "api_key_revoke": _api_key,
    "scim_user": _scim_user,
    "scim_group": _group,
    "webhook_detail": _webhook,
    "webhook_status": _webhook,
    "webhook_test": _webhook,
    "webhook_delete": _webhook,
    "webhook_resend": _webhook_delivery,
    "guide": None,
}
SHARED_KWARGS = {"guide": {"slug": "entra"}}


def _fill(org):
    """The same kinds of rows in an org; org A's carry the MARKER."""
    with org_scope(org):
        Domain.objects.create(org=org, name=f"{MARKER}.example", token="0" * 32)
        Application.objects.create(
            org=org, name=f"{MARKER} app", authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_type=Application.CLIENT_CONFIDENTIAL, client_secret="unused", allowed_scopes=["managed-users/read"],
        )
        ScimToken.objects.create(org=org, name=f"{MARKER} token", token_hash=hash_bearer_token(f"{MARKER}-{org.pk}"),
                                 scopes=["managed-users/read"])
        ApiKey.objects.create(org=org, name=f"{MARKER} key", key_hash=hash_bearer_token(f"{MARKER}-key-{org.pk}"),
                              prefix=f"{MARKER}-key")
        user = ScimUser.objects.create(org=org, user_name=f"{MARKER}@example.com", display_name=f"{MARKER} user")
        group = Group.objects.create(org=org, display_name=f"{MARKER} group")
        group.memberships.create(org=org, user=user)
        ProvisioningEvent.objects.create(org=org, method="POST", path=f"/scim/v2/Users?{MARKER}", status=201,
                                         user_public_id=user.public_id)
        endpoint = WebhookEndpoint.objects.create(org=org, url=f"https://{MARKER}.example/hooks",
                                                  secret_encrypted=signing.encrypt(signing.new_secret()), secret_prefix="whsec_x")
        event = Event.objects.create(org=org, sequence=1, type="domain.verified", resource_type="Domain",
                                     resource_id=f"{MARKER}-domain")
        WebhookDelivery.objects.create(org=org, endpoint=endpoint, event=event, status=WebhookDelivery.Status.FAILED)


@pytest.fixture
def orgs(db):
    org_a = OrganizationFactory(name=f"Acme {MARKER}")
    org_b = OrganizationFactory(name="Globex")
    _fill(org_a)
    people = {role: UserFactory() for role in ("admin_a", "member_a", "admin_b")}
    add_member(org_a, people["admin_a"], Membership.Role.OWNER)
    add_member(org_a, people["member_a"], Membership.Role.MEMBER)
    add_member(org_b, people["admin_b"], Membership.Role.OWNER)
    return {"a": org_a, "b": org_b, **people}


PAGES = sorted(console_site._pages, key=lambda page: page.name)


def _url(page, orgs) -> str:
    if "<" not in page.route:
        return reverse(f"console:{page.name}")
    assert page.name in OBJECT_KWARGS, (
        f"console page {page.name} takes URL arguments: add it to OBJECT_KWARGS so its isolation is tested")
    build = OBJECT_KWARGS[page.name]
    return reverse(f"console:{page.name}", kwargs=SHARED_KWARGS[page.name] if build is None else build(orgs["a"]))


@pytest.mark.parametrize("console_page", PAGES, ids=[page.name for page in PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, orgs, console_page):
    response = client.get(_url(console_page, orgs))
    assert response.status_code == 302 and reverse("console:login") in response["Location"]


@pytest.mark.parametrize("console_page", [page for page in PAGES if page.needs_org], ids=lambda page: page.name)
def test_a_member_who_is_not_an_admin_sees_no_page(client, orgs, console_page):
    client.force_login(orgs["member_a"])
    response = client.get(_url(console_page, orgs))
    assert response.status_code == 403
    assert MARKER not in response.content.decode().replace(orgs["a"].name, "")


@pytest.mark.parametrize("console_page", PAGES, ids=[page.name for page in PAGES])
def test_an_admin_of_another_org_sees_and_changes_nothing_of_this_org(client, orgs, console_page):
    client.force_login(orgs["admin_b"])
    url = _url(console_page, orgs)
    names_an_object = OBJECT_KWARGS.get(console_page.name) is not None
    before = org_binding.snapshot(orgs["a"])
    for method in ("get", "post"):
        # A GET of a form's action URL redirects to the form's page (looking nothing up): follow it.
        response = getattr(client, method)(url, follow=method == "get")
        assert response.status_code < 500
        if names_an_object:
            # The object's own page is a 404; a list page (where the form's GET may land) shows only org B.
            went_to_a_list = method == "get" and response.redirect_chain and response.status_code == 200
            assert response.status_code == 404 or went_to_a_list, f"{method.upper()} {url}: {response.status_code}"
        assert MARKER not in response.content.decode(), f"{method.upper()} {url} shows org A's data"
    assert org_binding.snapshot(orgs["a"]) == before


@pytest.mark.parametrize("console_page", PAGES, ids=[page.name for page in PAGES])
def test_an_admin_of_the_org_reaches_the_page(client, orgs, console_page):
    client.force_login(orgs["admin_a"])
    response = client.get(_url(console_page, orgs))
    # A form's action URL (POST-only) answers a GET by sending the browser to the form, never an empty 405.
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert client.get(response["Location"]).status_code == 200
