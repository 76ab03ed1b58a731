import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Membership, Organization
from .scoping import org_scope

log = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(*, membership_id: int, org_id: int) -> None:
    org = Organization.objects.get(pk=org_id)
    with org_scope(org):
        membership = Membership.objects.select_related("user", "invited_by").filter(pk=membership_id).first()
    if membership is None:
        log.info("invitation skipped: membership %s no longer exists", membership_id)
        return
    user = membership.user
    inviter = membership.invited_by.get_full_name() if membership.invited_by else "An administrator"
    if user.has_usable_password():
        action = "Sign in at " + settings.PUBLIC_BASE_URL + reverse("console:index")
    else:
        path = reverse(
            "accounts:set_password",
            kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
        )
        action = "Choose a password to sign in: " + settings.PUBLIC_BASE_URL + path
    send_mail(
        subject=f"You have been added to {org.name}",
        message=f"{inviter} added you to {org.name} as {membership.get_role_display().lower()}.\n\n{action}\n",
        from_email=None,
        recipient_list=[user.email],
    )
    log.info("invitation sent for membership %s", membership.public_id)
