import secrets
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from oauth2_provider.models import (
    AbstractApplication,
    get_access_token_model,
    get_refresh_token_model,
    set_token_value,
)

from oauthapps import scopes
from oauthapps.credentials import principal_from_request
from oauthapps.services import application_create
from tenants.audit import Actor
from tenants.models import Membership
from tests.factories import UserFactory, add_member

OKTA_CALLBACK = "https://acme.okta.example/oauth2/callback"


@pytest.fixture
def admin(org):
    user = UserFactory(email="admin@acme.example")
    add_member(org, user, Membership.Role.ADMIN)
    return user


@pytest.fixture
def entra_app(org, owner):
    """A client-credentials application, with its raw secret."""
    return application_create(
        org=org, actor=Actor.member(owner), grant_type=AbstractApplication.GRANT_CLIENT_CREDENTIALS, name="Entra ID",
        scopes=list(scopes.MANAGED_USERS),
    )


@pytest.fixture
def okta_app(org, owner):
    """An authorization-code application (Okta), with its raw secret."""
    return application_create(
        org=org, actor=Actor.member(owner), grant_type=AbstractApplication.GRANT_AUTHORIZATION_CODE, name="Okta",
        company_name="Acme", redirect_url=OKTA_CALLBACK, scopes=[*scopes.MANAGED_USERS, scopes.OFFLINE_ACCESS],
    )


def principal_for(access_token: str):
    request = RequestFactory().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return principal_from_request(request)


def issue_live_tokens(application, user):
    """An access token and a refresh token, as DOT stores them (hashed at rest)."""
    access = get_access_token_model()(
        user=user, application=application, expires=timezone.now() + timedelta(hours=1),
        scope=" ".join(application.allowed_scopes),
    )
    set_token_value(access, secrets.token_urlsafe(32))
    access.save()
    refresh = get_refresh_token_model()(user=user, application=application, access_token=access)
    set_token_value(refresh, secrets.token_urlsafe(32))
    refresh.save()


@pytest.fixture(autouse=True)
def fast_secret_hashing(settings):
    # Client secrets are hashed like passwords; production's PBKDF2 cost only slows these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def scim_token_form(console_client, **fields) -> dict:
    """The console's new-SCIM-token form as the page renders it (with its generation), filled in."""
    from django.urls import reverse

    return {"generation": console_client.get(reverse("console:scim_tokens")).context["generation"], **fields}
