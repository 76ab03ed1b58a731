"""Two-factor sign-in (django-otp): an authenticator app (TOTP) and single-use recovery codes.

A person sets it up once for their account (it is global, like the account); from then on every
console session asks for a code after the password. An org may require it of its owners and admins
(Organization.require_mfa): the console sends them to set it up before anything else.
"""

from __future__ import annotations

from django.db import transaction
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def has_mfa(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def pending_app_device(user: User) -> TOTPDevice:
    """The authenticator-app device being set up (unconfirmed): the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def mfa_enable(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with its first code; returns new recovery codes (shown once), or None if the code is wrong.
    The session counts as verified at once."""
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_replace(user=device.user)
    otp_login(request, device)
    return codes


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def mfa_verify(*, request, code: str) -> bool:
    """A code from the app, or a recovery code (used up); on success the session is verified."""
    code = code.strip().replace(" ", "")
    devices = [*TOTPDevice.objects.filter(user=request.user, confirmed=True),
               *StaticDevice.objects.filter(user=request.user, confirmed=True)]
    for device in devices:
        with transaction.atomic():
            if device.verify_token(code):
                otp_login(request, device)
                return True
    return False
