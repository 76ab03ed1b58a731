"""What the OAuth endpoints refuse, and what stops a token that was issued."""

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model

from oauthapps import scopes
from oauthapps.credentials import CredentialError
from oauthapps.models import Application
from oauthapps.services import application_disable, application_rotate_secret
from tenants.audit import Actor
from tenants.models import Membership
from tenants.scoping import org_scope
from tests.factories import UserFactory, add_member

from .conftest import OKTA_CALLBACK, principal_for
from .oauth_flow import TOKEN_PATH, approve, authorization_url, code_from, new_code_verifier, okta_session

RefreshToken = get_refresh_token_model()


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(client, application, secret, **fields):
    response = client.post(TOKEN_PATH, fields, HTTP_AUTHORIZATION=basic(application.client_id, secret))
    return response, json.loads(response.content)


def client_credentials(client, application, secret, **fields):
    return token_request(client, application, secret, grant_type="client_credentials", **fields)


def okta_tokens(client, admin, application, secret, *, verifier=None):
    """Authorize as `admin`, approve, exchange the code; returns the token response body."""
    client.force_login(admin)
    verifier = verifier or new_code_verifier()
    url, _ = authorization_url(okta_session(application, secret), code_verifier=verifier)
    code = code_from(approve(client, url))
    response, body = token_request(
        client, application, secret, grant_type="authorization_code", code=code, redirect_uri=OKTA_CALLBACK,
        code_verifier=verifier,
    )
    assert response.status_code == 200, body
    return body


def refresh(client, application, secret, refresh_token):
    return token_request(client, application, secret, grant_type="refresh_token", refresh_token=refresh_token)


def test_a_wrong_secret_is_invalid_client(client, entra_app):
    application, _ = entra_app
    response, body = client_credentials(client, application, "not-the-secret")
    assert response.status_code == 401
    assert body["error"] == "invalid_client"
    assert response["Cache-Control"] == "no-store"


def test_client_secret_post_works_too(client, entra_app):
    application, secret = entra_app
    response = client.post(
        TOKEN_PATH, {"grant_type": "client_credentials", "client_id": application.client_id, "client_secret": secret}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_disabled_app_gets_no_token_and_its_tokens_stop_working(client, org, owner, entra_app):
    application, secret = entra_app
    _, body = client_credentials(client, application, secret)
    application_disable(org=org, actor=Actor.member(owner), application=application)
    response, refused = client_credentials(client, application, secret)
    assert (response.status_code, refused["error"]) == (401, "invalid_client")
    with pytest.raises(CredentialError) as error:
        principal_for(body["access_token"])
    assert error.value.status == 401


def test_a_scope_the_app_is_not_allowed_is_invalid_scope(client, org, owner, entra_app):
    application, secret = entra_app
    with org_scope(org):
        Application.objects.filter(pk=application.pk).update(allowed_scopes=[scopes.READ])
    response, body = client_credentials(client, application, secret, scope=f"{scopes.READ} {scopes.DELETE}")
    assert (response.status_code, body["error"]) == (400, "invalid_scope")
    _, granted = client_credentials(client, application, secret)
    assert granted["scope"] == scopes.READ


def test_a_redirect_url_that_does_not_match_exactly_is_refused_without_redirecting(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    session = okta_session(application, secret)
    session.redirect_uri = OKTA_CALLBACK + "/extra"
    url, _ = authorization_url(session, code_verifier=new_code_verifier())
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 400
    assert "Location" not in response


def test_a_code_verifier_for_a_code_issued_without_challenge_is_refused(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=None)
    code = code_from(approve(client, url))
    response, body = token_request(
        client, application, secret, grant_type="authorization_code", code=code, redirect_uri=OKTA_CALLBACK,
        code_verifier=new_code_verifier(),
    )
    assert (response.status_code, body["error"]) == (400, "invalid_grant")


def test_a_wrong_code_verifier_is_refused(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    code = code_from(approve(client, url))
    response, body = token_request(
        client, application, secret, grant_type="authorization_code", code=code, redirect_uri=OKTA_CALLBACK,
        code_verifier=new_code_verifier(),
    )
    assert body["error"] == "invalid_grant"


def test_a_public_client_must_use_pkce(client, org, admin, okta_app):
    application, secret = okta_app
    with org_scope(org):
        Application.objects.filter(pk=application.pk).update(client_type=Application.CLIENT_PUBLIC)
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=None)
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]


def test_denying_sends_access_denied(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    assert "error=access_denied" in approve(client, url, allow=False)


def _dead(body) -> bool:
    try:
        principal_for(body["access_token"])
    except CredentialError:
        return True
    return False


def test_okta_replaying_a_refresh_token_within_seconds_gets_a_fresh_pair_and_the_replaced_pair_dies(
        client, admin, okta_app):
    application, secret = okta_app
    tokens = okta_tokens(client, admin, application, secret)
    first_response, first = refresh(client, application, secret, tokens["refresh_token"])
    second_response, second = refresh(client, application, secret, tokens["refresh_token"])
    assert (first_response.status_code, second_response.status_code) == (200, 200)
    assert principal_for(second["access_token"]).actor_user == admin
    # One live pair per family: the pair the replay replaces is revoked.
    assert _dead(first)
    assert RefreshToken.objects.filter(application=application, revoked__isnull=True).count() == 1
    assert refresh(client, application, secret, second["refresh_token"])[0].status_code == 200


def test_a_second_replay_within_the_window_revokes_the_whole_family(client, admin, okta_app):
    application, secret = okta_app
    tokens = okta_tokens(client, admin, application, secret)
    answers = [refresh(client, application, secret, tokens["refresh_token"]) for _ in range(5)]
    assert [response.status_code for response, _ in answers] == [200, 200, 400, 400, 400]
    assert all(_dead(body) for _, body in answers[:2])
    assert not RefreshToken.objects.filter(application=application, revoked__isnull=True).exists()


def test_reusing_an_authorization_code_revokes_the_tokens_of_its_first_exchange(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    verifier = new_code_verifier()
    url, _ = authorization_url(okta_session(application, secret), code_verifier=verifier)
    code = code_from(approve(client, url))
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": OKTA_CALLBACK,
                "code_verifier": verifier}
    first_response, first = token_request(client, application, secret, **exchange)
    assert first_response.status_code == 200 and not _dead(first)

    again_response, again = token_request(client, application, secret, **exchange)
    assert (again_response.status_code, again["error"]) == (400, "invalid_grant")
    assert _dead(first)
    assert refresh(client, application, secret, first["refresh_token"])[1]["error"] == "invalid_grant"


def test_an_unexchanged_code_lives_a_minute(client, admin, okta_app, settings):
    from oauth2_provider.settings import oauth2_settings

    assert oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS == 60
    application, secret = okta_app
    client.force_login(admin)
    verifier = new_code_verifier()
    url, _ = authorization_url(okta_session(application, secret), code_verifier=verifier)
    code = code_from(approve(client, url))
    from oauth2_provider.models import get_grant_model

    get_grant_model().objects.filter(application=application).update(expires=timezone.now() - timedelta(seconds=1))
    response, body = token_request(client, application, secret, grant_type="authorization_code", code=code,
                                   redirect_uri=OKTA_CALLBACK, code_verifier=verifier)
    assert (response.status_code, body["error"]) == (400, "invalid_grant")


def test_a_refresh_token_reused_after_the_window_revokes_its_whole_family(client, admin, okta_app):
    application, secret = okta_app
    tokens = okta_tokens(client, admin, application, secret)
    _, rotated = refresh(client, application, secret, tokens["refresh_token"])
    RefreshToken.objects.filter(revoked__isnull=False).update(revoked=timezone.now() - timedelta(seconds=11))

    response, body = refresh(client, application, secret, tokens["refresh_token"])
    assert (response.status_code, body["error"]) == (400, "invalid_grant")
    assert refresh(client, application, secret, rotated["refresh_token"])[1]["error"] == "invalid_grant"
    with pytest.raises(CredentialError):
        principal_for(rotated["access_token"])


def test_a_rotated_secret_works_during_its_grace_and_not_after(client, org, owner, entra_app):
    application, old_secret = entra_app
    new_secret = application_rotate_secret(org=org, actor=Actor.member(owner), application=application, grace_days=7)
    assert client_credentials(client, application, old_secret)[0].status_code == 200
    assert client_credentials(client, application, new_secret)[0].status_code == 200

    with org_scope(org):
        Application.objects.filter(pk=application.pk).update(previous_client_secret_expires=timezone.now())
    assert client_credentials(client, application, old_secret)[1]["error"] == "invalid_client"
    assert client_credentials(client, application, new_secret)[0].status_code == 200


def test_a_rotation_without_grace_ends_the_old_secret_at_once(client, org, owner, entra_app):
    application, old_secret = entra_app
    application_rotate_secret(org=org, actor=Actor.member(owner), application=application, grace_days=0)
    assert client_credentials(client, application, old_secret)[0].status_code == 401


def open_consent(browser, user, application, secret):
    browser.force_login(user)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    return browser.get(url.removeprefix("http://testserver"))


def test_a_member_who_is_not_an_admin_cannot_approve(client, org, okta_app):
    application, secret = okta_app
    member = UserFactory()
    add_member(org, member, Membership.Role.MEMBER)
    assert open_consent(client, member, application, secret).status_code == 403
    assert client.post("/oauth/v2/authorize", {"client_id": application.client_id, "allow": "on"}).status_code == 403


def test_an_admin_of_another_org_cannot_approve(client, other_org, okta_app):
    application, secret = okta_app
    stranger = UserFactory()
    add_member(other_org, stranger, Membership.Role.OWNER)
    response = open_consent(client, stranger, application, secret)
    assert response.status_code == 403
    assert other_org.name.encode() not in response.content


def test_an_anonymous_visitor_is_sent_to_sign_in(client, okta_app):
    application, secret = okta_app
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_a_token_stops_working_when_its_approver_leaves_the_org(client, org, admin, okta_app):
    application, secret = okta_app
    tokens = okta_tokens(client, admin, application, secret)
    with org_scope(org):
        Membership.objects.filter(user=admin).delete()
    with pytest.raises(CredentialError):
        principal_for(tokens["access_token"])
    assert refresh(client, application, secret, tokens["refresh_token"])[1]["error"] == "invalid_grant"


def test_a_token_stops_working_when_its_approver_is_demoted_or_deactivated(client, org, admin, okta_app):
    application, secret = okta_app
    tokens = okta_tokens(client, admin, application, secret)
    with org_scope(org):
        Membership.objects.filter(user=admin).update(role=Membership.Role.MEMBER)
    with pytest.raises(CredentialError):
        principal_for(tokens["access_token"])
    with org_scope(org):
        Membership.objects.filter(user=admin).update(role=Membership.Role.ADMIN)
    principal_for(tokens["access_token"])
    admin.is_active = False
    admin.save()
    with pytest.raises(CredentialError):
        principal_for(tokens["access_token"])


def test_a_token_of_org_a_reaches_nothing_of_org_b(client, org, other_org, owner, entra_app):
    from oauthapps.services import application_create

    application, secret = entra_app
    application_create(
        org=other_org, actor=Actor.system(), grant_type=Application.GRANT_CLIENT_CREDENTIALS, name="Globex Entra",
        scopes=list(scopes.MANAGED_USERS),
    )
    _, body = client_credentials(client, application, secret)
    principal = principal_for(body["access_token"])
    assert principal.org == org
    with org_scope(principal.org):
        assert list(Application.objects.values_list("name", flat=True)) == ["Entra ID"]


def test_revocation_ends_an_access_token(client, entra_app):
    application, secret = entra_app
    _, body = client_credentials(client, application, secret)
    response = client.post(
        "/oauth/v2/revoke", {"token": body["access_token"]}, HTTP_AUTHORIZATION=basic(application.client_id, secret)
    )
    assert response.status_code == 200
    with pytest.raises(CredentialError):
        principal_for(body["access_token"])


def test_server_metadata_advertises_what_the_server_does(client, settings):
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == settings.PUBLIC_BASE_URL
    assert body["token_endpoint"] == settings.PUBLIC_BASE_URL + "/oauth/v2/token"
    assert body["authorization_endpoint"] == settings.PUBLIC_BASE_URL + "/oauth/v2/authorize"
    assert body["revocation_endpoint"] == settings.PUBLIC_BASE_URL + "/oauth/v2/revoke"
    assert "introspection_endpoint" not in body
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["grant_types_supported"] == ["authorization_code", "client_credentials", "refresh_token"]


@pytest.mark.parametrize("path", ["/o/applications/", "/o/introspect/", "/oauth/v2/introspect"])
def test_django_oauth_toolkit_management_and_introspection_are_not_mounted(client, db, path):
    assert client.get(path).status_code == 404


def test_the_authorization_response_names_its_issuer(client, admin, okta_app, settings):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    assert parse_qs(urlsplit(approve(client, url)).query)["iss"] == [settings.PUBLIC_BASE_URL]


def test_expired_tokens_are_swept(client, entra_app):
    from oauth2_provider.models import get_access_token_model

    from oauthapps.tasks import clear_expired_oauth_tokens

    application, secret = entra_app
    client_credentials(client, application, secret)
    AccessToken = get_access_token_model()
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=1))
    clear_expired_oauth_tokens.delay()
    assert not AccessToken.objects.exists()


def test_without_offline_access_there_is_no_refresh_token(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    verifier = new_code_verifier()
    url, _ = authorization_url(okta_session(application, secret, scope=scopes.READ), code_verifier=verifier)
    _, body = token_request(
        client, application, secret, grant_type="authorization_code", code=code_from(approve(client, url)),
        redirect_uri=OKTA_CALLBACK, code_verifier=verifier,
    )
    assert body["scope"] == scopes.READ
    assert "refresh_token" not in body


def test_the_plain_pkce_method_is_refused(client, admin, okta_app):
    application, secret = okta_app
    client.force_login(admin)
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    url = url.replace("code_challenge_method=S256", "code_challenge_method=plain")
    answer = parse_qs(urlsplit(approve(client, url)).query)
    assert answer["error"] == ["invalid_request"]
    assert "code" not in answer


def test_an_auth_code_app_cannot_use_client_credentials(client, okta_app):
    application, secret = okta_app
    response, body = client_credentials(client, application, secret)
    assert (response.status_code, body["error"]) == (400, "unauthorized_client")


def test_the_consent_page_names_the_app_its_org_and_its_scopes(client, org, admin, okta_app):
    application, secret = okta_app
    page = open_consent(client, admin, application, secret).content.decode()
    for text in (application.name, org.name, scopes.DESCRIPTIONS[scopes.READ], scopes.DESCRIPTIONS[scopes.LIST],
                 "Approve access", "Deny"):
        assert text in page
    assert scopes.DESCRIPTIONS[scopes.DELETE] not in page


def test_approval_prompt_auto_never_skips_the_consent_page(client, admin, okta_app):
    application, secret = okta_app
    okta_tokens(client, admin, application, secret)  # a live token for this admin and app
    url, _ = authorization_url(okta_session(application, secret), code_verifier=new_code_verifier())
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}&approval_prompt=auto")
    assert response.status_code == 200 and b"Approve access" in response.content
