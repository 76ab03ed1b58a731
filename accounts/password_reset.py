"""Forgot password: a reset link by e-mail, sent through the outbox (tenants.effects.enqueue_effect).

The form never says whether an address has an account; the task builds the link's token itself (no
secret travels in the outbox row) and the link opens the same set-password page invitations use.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from tenants.effects import enqueue_effect


class PasswordResetByEmailForm(PasswordResetForm):
    def save(self, **_options) -> None:
        from .tasks import send_password_reset_email

        for user in self.get_users(self.cleaned_data["email"]):
            with transaction.atomic():  # the effect and its outbox message, together
                enqueue_effect(send_password_reset_email, user_id=user.pk)
