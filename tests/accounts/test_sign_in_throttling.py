"""Sign-in throttling behind the reference proxy: failures count per (e-mail, the client's own
address), so an attacker elsewhere can't lock a victim out, and guessing is still throttled."""

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

ATTACKER, VICTIM = "93.184.216.34", "8.8.4.4"
PROXY = "127.0.0.1"  # nginx, on the same host: every request arrives from here


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@acme.example")


def sign_in(client, email, password, address):
    return client.post(reverse("console:login"), {"username": email, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("console:index")


def test_an_attacker_elsewhere_cannot_lock_the_victim_out_and_is_throttled(client, settings, victim):
    settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        assert not signed_in(sign_in(client, victim.email, "wrong guess", ATTACKER))
    # Guessing is throttled: now even the right password is refused from the attacker's address.
    assert not signed_in(sign_in(client, victim.email, TEST_PASSWORD, ATTACKER))
    assert signed_in(sign_in(client, victim.email, TEST_PASSWORD, VICTIM))


def test_without_trusting_the_proxy_everyone_shares_its_address(client, settings, victim):
    """Why the setting exists: behind a proxy, counting by the connecting address locks the victim out."""
    settings.CLIENT_IP_FROM_X_FORWARDED_FOR = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, victim.email, "wrong guess", ATTACKER)
    assert not signed_in(sign_in(client, victim.email, TEST_PASSWORD, VICTIM))


def test_the_audit_log_records_the_clients_own_address(client, settings, victim, org):
    from tenants.models import AuditEvent, Membership
    from tenants.scoping import org_scope
    from tests.factories import add_member

    settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
    add_member(org, victim, Membership.Role.ADMIN)
    assert signed_in(sign_in(client, victim.email, TEST_PASSWORD, VICTIM))
    with org_scope(org):
        assert AuditEvent.objects.get(action="console.signed_in").actor_address == VICTIM
