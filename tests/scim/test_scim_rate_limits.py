"""SCIM is rate limited per credential and per org (in Redis), with 429, a SCIM error body and
Retry-After; staff set an org's own figure; with Redis down requests pass."""

import pytest
from django.test import Client

from tenants.models import Organization
from tests.redis_server import private_redis  # noqa: F401  (a fixture)

from .conftest import scim_client_for


def limit_org(org, per_second):
    Organization.objects.filter(pk=org.pk).update(scim_requests_per_second=per_second)


def test_an_org_over_its_limit_gets_429_with_a_scim_body_and_retry_after(private_redis, scim_org, other_scim_org):
    limit_org(scim_org, 1)  # 10 requests per 10 s window, for the org and for each credential
    credentials = [scim_client_for(Client(), scim_org), scim_client_for(Client(), scim_org, name="Entra")]
    # Counting windows are fixed: 21 requests span at most two of them, so at most 20 pass.
    answers = [credentials[n % 2].get("/Users") for n in range(21)]
    assert sum(answer.status_code == 200 for answer in answers) <= 20
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert int(refused["Retry-After"]) >= 1
    body = refused.json()
    assert body["status"] == "429" and "urn:ietf:params:scim:api:messages:2.0:Error" in body["schemas"]
    assert scim_client_for(Client(), other_scim_org).get("/Users").status_code == 200


def test_the_defaults_are_comfortably_above_what_entra_sends(settings):
    assert settings.SCIM_RATE_PER_CREDENTIAL >= 25 and settings.SCIM_RATE_PER_ORG >= settings.SCIM_RATE_PER_CREDENTIAL


def test_with_redis_down_scim_requests_pass(private_redis, scim_org):
    limit_org(scim_org, 1)
    scim = scim_client_for(Client(), scim_org)
    private_redis.stop()
    assert [scim.get("/Users").status_code for _ in range(12)] == [200] * 12


def test_only_staff_set_an_orgs_limit_and_it_is_audited(client, scim_org):
    from django.core.exceptions import PermissionDenied

    from tenants.audit import Actor
    from tenants.models import AuditEvent, Membership
    from tenants.scoping import org_scope
    from tenants.services import organization_update_policy
    from tests.factories import UserFactory, add_member

    owner = UserFactory()
    add_member(scim_org, owner, Membership.Role.OWNER)
    with pytest.raises((TypeError, PermissionDenied)):
        organization_update_policy(org=scim_org, actor=Actor.member(owner), scim_requests_per_second=1000)
    staff = UserFactory(is_staff=True, is_superuser=True)
    organization_update_policy(org=scim_org, actor=Actor.staff(staff), scim_requests_per_second=40)
    scim_org.refresh_from_db()
    assert scim_org.scim_requests_per_second == 40
    with org_scope(scim_org):
        assert AuditEvent.objects.filter(action="organization.settings_changed", actor_kind="staff").exists()
    client.force_login(staff)
    assert b"scim_requests_per_second" in client.get(f"/admin/tenants/organization/{scim_org.pk}/change/").content


def test_a_request_counts_both_limits_in_one_redis_round_trip(private_redis, scim_org, monkeypatch):
    import redis.connection

    scim = scim_client_for(Client(), scim_org)
    scim.get("/Users")  # the process's client connects once
    sent = []
    original = redis.connection.Connection.send_packed_command
    monkeypatch.setattr(redis.connection.Connection, "send_packed_command",
                        lambda self, command, *args, **kwargs: sent.append(command) or original(self, command, *args, **kwargs))
    assert scim.get("/Users").status_code == 200
    assert len(sent) == 1  # INCR and EXPIRE of the credential's and the org's counters, pipelined


def test_without_redis_the_demo_counts_in_memory(settings, scim_org):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_REDIS_URL = ""
    limit_org(scim_org, 1)
    scim = scim_client_for(Client(), scim_org)
    statuses = [scim.get("/Users").status_code for _ in range(21)]
    assert 429 in statuses and set(statuses[:statuses.index(429)]) == {200}
