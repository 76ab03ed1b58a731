"""Sign-ins and failed sign-ins to the console go to the audit log of every org the person belongs to."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from accounts.models import User, normalize_email

from . import audit, selectors
from accounts.client_address import client_address


def _console_request(request) -> bool:
    return request is not None and request.path_info.startswith("/console/")


def _record_for_each_org(user, action: str, request) -> None:
    actor = audit.Actor.member(user, address=client_address(request))
    with transaction.atomic():
        for membership in selectors.memberships_of_user(user=user, include_suspended=True):
            audit.record(org=membership.org, actor=actor, action=action, obj=membership)


@receiver(user_logged_in, dispatch_uid="tenants.audit_console_sign_in")
def audit_console_sign_in(sender, request, user, **kwargs):
    if _console_request(request):
        _record_for_each_org(user, "console.signed_in", request)


@receiver(user_login_failed, dispatch_uid="tenants.audit_console_sign_in_failed")
def audit_console_sign_in_failed(sender, credentials, request=None, **kwargs):
    # An e-mail that is no account has no org to tell; django-axes still counts the attempt.
    if not _console_request(request):
        return
    user = User.objects.filter(email=normalize_email(credentials.get("username") or "")).first()
    if user is not None:
        _record_for_each_org(user, "console.sign_in_failed", request)
