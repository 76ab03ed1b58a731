"""Two-factor sign-in (django-otp): an authenticator app and recovery codes for every console user, and an
org policy "owners and admins must use MFA" (issue 16)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import Membership, Organization
from tests.factories import TEST_PASSWORD, UserFactory, add_member

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    response = client.post(reverse("console:login"), {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def code_for(device, drift=0) -> str:
    """The app's code; drift=1 is the next 30 s window's (django-otp refuses a window already used)."""
    return f"{totp(device.bin_key, step=device.step, digits=device.digits, drift=drift):06d}"


def set_up(client, user) -> list[str]:
    client.get(reverse("console:mfa_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("console:mfa_setup"), {"code": code_for(device)})
    return re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())


@pytest.fixture
def owner_with_mfa(client, org, owner):
    sign_in(client, owner)
    codes = set_up(client, owner)
    client.post(reverse("console:logout"))
    return owner, codes


def test_setting_up_shows_ten_recovery_codes_once_and_keeps_the_session(client, org, owner, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code first, then the right one at once
    sign_in(client, owner)
    body = client.get(reverse("console:mfa_setup")).content.decode()
    assert 'id="mfa-secret"' in body and "otpauth://totp/Identity%20console" in body
    assert client.post(reverse("console:mfa_setup"), {"code": "000000"}).status_code == 200
    assert not TOTPDevice.objects.get(user=owner).confirmed
    assert len(set_up(client, owner)) == 10
    assert client.get(reverse("console:index")).status_code == 200
    assert "is on" in client.get(reverse("console:mfa_setup")).content.decode()


def test_after_the_password_the_console_asks_for_the_code(client, owner_with_mfa, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    owner, _ = owner_with_mfa
    sign_in(client, owner)
    response = client.get(reverse("console:members"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("console:mfa_verify"))
    assert "did not work" in client.post(response["Location"], {"code": "123456"}).content.decode()
    device = TOTPDevice.objects.get(user=owner)
    done = client.post(response["Location"], {"code": code_for(device, drift=1), "next": reverse("console:members")})
    assert done["Location"] == reverse("console:members")
    assert client.get(reverse("console:members")).status_code == 200


def test_a_recovery_code_signs_in_once(client, owner_with_mfa):
    owner, codes = owner_with_mfa
    sign_in(client, owner)
    assert client.post(reverse("console:mfa_verify"), {"code": codes[0]})["Location"] == reverse("console:index")
    client.post(reverse("console:logout"))
    sign_in(client, owner)
    assert client.post(reverse("console:mfa_verify"), {"code": codes[0]}).status_code == 200  # used up


def test_an_org_that_requires_mfa_sends_its_admins_to_set_it_up(client, org):
    Organization.objects.filter(pk=org.pk).update(require_mfa=True)
    admin, member = UserFactory(), UserFactory()
    add_member(org, admin, Membership.Role.ADMIN)
    add_member(org, member, Membership.Role.MEMBER)
    sign_in(client, admin)
    assert client.get(reverse("console:members"))["Location"] == reverse("console:mfa_setup")
    assert "requires owners and admins to use two-factor sign-in" in client.get(reverse("console:mfa_setup")).content.decode()
    set_up(client, admin)
    assert client.get(reverse("console:members")).status_code == 200
    client.post(reverse("console:logout"))
    sign_in(client, member)  # a member can't use the console anyway: told so, not sent to set up
    assert client.get(reverse("console:index")).status_code == 403


def test_owners_turn_the_policy_on_in_settings(owner_client):
    body = owner_client.get(reverse("console:settings")).content.decode()
    assert "Owners and admins must use two-factor sign-in" in body
