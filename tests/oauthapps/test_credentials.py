import pytest
from django.test import RequestFactory

from oauthapps import scopes
from oauthapps.credentials import CredentialError, principal_from_request
from oauthapps.services import scim_token_create
from tenants.audit import Actor


def request_with(header=None, query=""):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    return RequestFactory().get("/scim/v2/Users" + query, **headers)


def test_a_scim_token_resolves_to_its_org_and_scopes(org, other_org):
    _, raw = scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])
    scim_token_create(org=other_org, actor=Actor.system(), name="Okta", scopes=list(scopes.MANAGED_USERS))
    principal = principal_from_request(request_with(f"Bearer {raw}"))
    assert principal.org == org
    assert principal.scopes == {scopes.READ}
    with pytest.raises(CredentialError) as missing:
        principal.require(scopes.DELETE)
    assert missing.value.status == 403


@pytest.mark.parametrize("header", [None, "non-token", "Bearer ", "Bearer nope", "Basic abc"])
def test_missing_or_unknown_credentials_are_401(db, header):
    with pytest.raises(CredentialError) as error:
        principal_from_request(request_with(header))
    assert error.value.status == 401


def test_a_token_in_the_query_string_is_refused(org):
    _, raw = scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])
    with pytest.raises(CredentialError, match="Authorization header"):
        principal_from_request(request_with(f"Bearer {raw}", f"?access_token={raw}"))


def test_the_raw_token_is_not_stored(org):
    token, raw = scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])
    token.refresh_from_db()
    assert raw not in token.token_hash


def test_each_kind_of_bearer_token_is_resolved_with_one_query(org, entra_app, django_assert_num_queries):
    """Issue 14: a SCIM token is never looked for among access tokens, nor the other way round."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, set_token_value
    from oauthlib.common import generate_token

    _, scim_raw = scim_token_create(org=org, actor=Actor.system(), name="Okta", scopes=[scopes.READ])
    principal_from_request(request_with(f"Bearer {scim_raw}"))  # the first use records last_used
    with django_assert_num_queries(1):
        assert principal_from_request(request_with(f"Bearer {scim_raw}")).org == org
    application, _ = entra_app
    access = get_access_token_model()(application=application, expires=timezone.now() + timedelta(hours=1),
                                      scope=" ".join(application.allowed_scopes))
    access_raw = generate_token()  # django-oauth-toolkit's own generator
    set_token_value(access, access_raw)
    access.save()
    with django_assert_num_queries(1):
        assert principal_from_request(request_with(f"Bearer {access_raw}")).org == org
