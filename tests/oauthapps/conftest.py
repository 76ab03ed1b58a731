import pytest
from django.test import RequestFactory
from oauth2_provider.models import AbstractApplication

from oauthapps import scopes
from oauthapps.credentials import principal_from_request
from oauthapps.services import application_create
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
        org=org, actor=owner, grant_type=AbstractApplication.GRANT_CLIENT_CREDENTIALS, name="Entra ID",
        scopes=list(scopes.MANAGED_USERS),
    )


@pytest.fixture
def okta_app(org, owner):
    """An authorization-code application (Okta), with its raw secret."""
    return application_create(
        org=org, actor=owner, grant_type=AbstractApplication.GRANT_AUTHORIZATION_CODE, name="Okta",
        company_name="Acme", redirect_url=OKTA_CALLBACK, scopes=[*scopes.MANAGED_USERS, scopes.OFFLINE_ACCESS],
    )


def principal_for(access_token: str):
    request = RequestFactory().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return principal_from_request(request)


@pytest.fixture(autouse=True)
def fast_secret_hashing(settings):
    # Client secrets are hashed like passwords; production's PBKDF2 cost only slows these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
