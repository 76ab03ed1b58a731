import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenants.effects import EffectTask

from .models import User

log = logging.getLogger(__name__)


@shared_task(base=EffectTask)
def send_password_reset_email(*, user_id: int) -> None:
    """The reset link; its token is made here and stops working once the password changes."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        log.info("password reset e-mail skipped: account %s can't sign in with a password", user_id)
        return
    link = settings.PUBLIC_BASE_URL + reverse("accounts:set_password", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    send_mail(
        subject="Reset your Identity console password",
        message=(f"Someone (hopefully you) asked to reset the password of {user.email}.\n\n"
                 f"Choose a new password: {link}\n\n"
                 "The link works once, for a few days. If you didn't ask, ignore this e-mail: your password "
                 "stays as it is.\n"),
        from_email=None,
        recipient_list=[user.email],
    )
    log.info("password reset e-mail sent to account %s", user_id)
