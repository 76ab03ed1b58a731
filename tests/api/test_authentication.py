"""Only an org's API key opens /api/v1/: no header, an unknown, revoked or expired key, a SCIM token,
an OAuth access token and a console session are all 401. A read key reads and never writes. Every
refusal is problem details; the limits are per key and per org, like SCIM's."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from oauthapps import scopes
from oauthapps.services import api_key_revoke, scim_token_create
from oauthapps.selectors import api_key_by_public_id
from tenants.audit import Actor
from tenants.models import AuditEvent, Domain
from tenants.scoping import org_scope
from tests.redis_server import private_redis  # noqa: F401  (a fixture)

from .conftest import Api, make_key


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


def test_no_key_is_401_with_a_bearer_challenge(client, org):
    response = Api(client, None).get("organization/")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "])
def test_an_unknown_key_is_401(client, org, header):
    assert_problem(client.get("/api/v1/organization/", headers={"Authorization": header}), 401)


def test_a_key_in_the_url_is_refused(client, org, owner):
    raw = make_key(org, owner)
    assert_problem(client.get(f"/api/v1/organization/?access_token={raw}"), 401)


def test_a_scim_token_is_no_api_key(client, org, owner):
    _token, raw = scim_token_create(org=org, actor=Actor.member(owner), name="Okta", scopes=list(scopes.MANAGED_USERS))
    assert_problem(Api(client, raw).get("organization/"), 401)


def test_an_oauth_access_token_is_no_api_key(client, org, owner):
    from oauth2_provider.models import get_access_token_model, set_token_value

    from oauthapps.services import application_create
    from tests.oauthapps.conftest import principal_for

    application, _secret = application_create(org=org, actor=Actor.member(owner), grant_type="client-credentials",
                                              name="Entra", scopes=list(scopes.MANAGED_USERS))
    access = get_access_token_model()(application=application, expires=timezone.now() + timedelta(hours=1),
                                      scope=" ".join(application.allowed_scopes))
    set_token_value(access, "a-live-access-token-0123456789")
    access.save()
    assert principal_for("a-live-access-token-0123456789").org == org  # good for SCIM
    assert_problem(Api(client, "a-live-access-token-0123456789").get("organization/"), 401)


def test_a_console_session_is_no_api_key(owner_client):
    assert_problem(owner_client.get("/api/v1/organization/"), 401)


def test_a_revoked_key_is_refused(client, org, owner):
    raw = make_key(org, owner)
    api = Api(client, raw)
    assert api.get("organization/").status_code == 200
    key = api_key_by_public_id(org=org, public_id=api.get("audit-log/?action=api_key.created").json()[
        "results"][0]["object_id"])
    api_key_revoke(org=org, actor=Actor.member(owner), key=key)
    assert_problem(api.get("organization/"), 401)


def test_an_expired_key_is_refused(client, org, owner):
    api = Api(client, make_key(org, owner, expires=timezone.now() + timedelta(hours=1)))
    assert api.get("organization/").status_code == 200
    with freeze_time(timezone.now() + timedelta(hours=1, seconds=1)):
        assert_problem(api.get("organization/"), 401)


def test_a_read_key_reads_but_never_writes(read_api, org):
    assert read_api.get("domains/").status_code == 200
    body = assert_problem(read_api("post", "domains/", {"name": "acme.example"}), 403)
    assert "read-only" in body["detail"]
    assert_problem(read_api("patch", "organization/", {"name": "Renamed"}), 403)
    with org_scope(org):
        assert not Domain.objects.exists()
    org.refresh_from_db()
    assert org.name == "Acme"


def test_writes_are_audited_as_the_key(owner_api, org):
    assert owner_api("post", "domains/", {"name": "acme.example"}).status_code == 201
    with org_scope(org):
        event = AuditEvent.objects.get(action="domain.added")
    assert event.actor_kind == "credential" and event.actor_label.startswith('API key "Terraform" (AK')
    assert event.actor_user is None and event.actor_address == "127.0.0.1"


def test_only_json_is_accepted(owner_api):
    response = owner_api.client.post("/api/v1/domains/", "name=acme.example",
                                     content_type="application/x-www-form-urlencoded", headers=owner_api.headers)
    assert_problem(response, 415)


def test_an_unknown_path_is_a_problem_404(owner_api, client):
    assert_problem(owner_api.get("nothing-here/"), 404)
    assert_problem(client.get("/api/v1/members/bad%00id/"), 404)


def test_a_flood_is_429_with_retry_after_per_key(client, org, owner, settings, private_redis):
    settings.RATE_LIMITS_ENABLED = True
    settings.API_RATE_PER_KEY = 1  # 10 per 10-second window
    flooding, other = Api(client, make_key(org, owner, name="A")), Api(client, make_key(org, owner, name="B"))
    statuses = [flooding.get("organization/").status_code for _ in range(21)]  # more than two windows hold
    assert 429 in statuses and set(statuses[:statuses.index(429)]) == {200}
    refused = flooding.get("organization/")
    body = assert_problem(refused, 429)
    assert int(refused["Retry-After"]) >= 1 and "api-credential" in body["detail"]
    assert other.get("organization/").status_code == 200  # another key of the org still gets through
