from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oauthapps import scopes
from oauthapps.services import scim_token_create
from tenants import services as tenant_services
from tenants.audit import Actor
from tenants.models import Domain, Membership
from tenants.scoping import org_scope

from .test_oauth_refusals import okta_tokens

pytestmark = pytest.mark.django_db


def _overview(client):
    response = client.get(reverse("console:overview"))
    assert response.status_code == 200
    return response


def test_overview_shows_connection_details_built_from_public_base_url(owner_client, settings):
    response = _overview(owner_client)
    page = response.content.decode()
    for url in (settings.PUBLIC_BASE_URL + "/scim/v2", settings.PUBLIC_BASE_URL + reverse("oauth2_provider:token"),
                settings.PUBLIC_BASE_URL + reverse("oauth2_provider:authorize")):
        assert url in page
    assert 'data-copy-target="overview-scim-base-url"' in page
    assert 'id="overview-no-credentials"' in page
    assert not response.context["warnings"]


def test_overview_warns_of_a_scim_token_expiring_within_7_days(owner_client, org):
    scim_token_create(org=org, actor=Actor.system(), name="Soon", scopes=[scopes.READ], expires=timezone.now() + timedelta(days=6))
    scim_token_create(org=org, actor=Actor.system(), name="Later", scopes=[scopes.READ], expires=timezone.now() + timedelta(days=8))
    warnings = " ".join(_overview(owner_client).context["warnings"])
    assert "SCIM token Soon expires" in warnings and "Later" not in warnings


def test_overview_warns_of_an_auth_code_app_whose_approving_admin_left(client, org, owner, admin, okta_app):
    application, secret = okta_app
    okta_tokens(Client(), admin, application, secret)
    client.force_login(owner)
    assert not _overview(client).context["warnings"]
    with org_scope(org):
        Membership.objects.filter(user=admin).delete()
    warnings = " ".join(_overview(client).context["warnings"])
    assert f"approved by {admin.email}" in warnings and "Okta" in warnings


def test_overview_counts_domains_by_status_and_warns_of_one_in_its_grace(owner_client, org, owner):
    tenant_services.domain_add(org=org, actor=Actor.member(owner), name="new.example")
    failing = tenant_services.domain_add(org=org, actor=Actor.member(owner), name="failing.example")
    failing.status, failing.uncertain_since = Domain.Status.VERIFIED_UNCERTAIN, timezone.now() - timedelta(days=5)
    failing.save()
    response = _overview(owner_client)
    assert "failing.example failed its daily re-check" in " ".join(response.context["warnings"])
    assert "in 25 days" in " ".join(response.context["warnings"])
    page = response.content.decode()
    assert 'id="overview-warnings"' in page
    domains = next(context for _template, context in response.context["sections"] if "domain_counts" in context)
    assert domains["domain_counts"] == {
        "Unverified": 1, "Verified": 0, "Verified (re-check failing)": 1}
