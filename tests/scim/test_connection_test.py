"""The console's connection test (issue 16): the first steps an IdP performs against the org's own SCIM
endpoint with a short-lived token, each step shown; nothing left behind."""

import pytest
from django.urls import reverse

from oauthapps.models import ScimToken
from scim.models import Group, ProvisioningEvent, ScimUser
from tenants.models import Organization
from tenants.scoping import org_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_policy(org):
    Organization.objects.filter(pk=org.pk).update(require_verified_domains=False)


def test_the_connection_test_runs_every_step_and_leaves_nothing_behind(owner_client, org, open_policy):
    response = owner_client.post(reverse("console:connection_test"))
    body = response.content.decode()
    steps = response.context["steps"]
    assert [step.method for step in steps] == ["GET", "GET", "POST", "PATCH", "PATCH", "POST", "PATCH", "DELETE", "DELETE"]
    assert all(step.passed for step in steps), [(step.name, step.status, step.detail) for step in steps if not step.passed]
    assert "Passed" in body and "POST /scim/v2/Users" in body
    with org_scope(org):
        assert not ScimUser.objects.exists() and not Group.objects.exists()
        token = ScimToken.objects.get(name="Connection test")
        assert token.revoked is not None
        # Discovery needs no credential, so it is in no org's log; every other step is.
        assert ProvisioningEvent.objects.filter(credential_name="Connection test").count() == len(steps) - 1


def test_without_a_domain_it_may_provision_at_it_says_what_to_do(owner_client, org):
    body = owner_client.post(reverse("console:connection_test")).content.decode()
    assert "verify a domain first" in body
    with org_scope(org):
        assert not ScimToken.objects.exists()


def test_a_failing_step_is_shown_with_its_detail_and_the_token_still_revoked(owner_client, org, monkeypatch):
    from scim import connection_test

    # The org requires verified domains; a test user at an unverified one is refused, as an IdP's would be.
    monkeypatch.setattr(connection_test, "_test_email_domain", lambda org: "unverified.example")
    response = owner_client.post(reverse("console:connection_test"))
    failed = [step for step in response.context["steps"] if not step.passed]
    assert [step.name for step in failed] == ["Create the test user"] and failed[0].detail
    body = response.content.decode()
    assert "Failed" in body and failed[0].detail in body and "expected 201" in body
    with org_scope(org):
        assert ScimToken.objects.get(name="Connection test").revoked is not None
