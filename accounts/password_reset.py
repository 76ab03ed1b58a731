"""Forgot password: a reset link by e-mail, sent through the outbox (config.celery.enqueue_effect).

The form never says whether an address has an account; the task builds the link's token itself (no
secret travels in the outbox row) and the link opens the same set-password page invitations use.
"""

from django.contrib.auth.forms import PasswordResetForm

from config.celery import enqueue_effect


class PasswordResetByEmailForm(PasswordResetForm):
    def save(self, **_options) -> None:
        from .tasks import send_password_reset_email

        for user in self.get_users(self.cleaned_data["email"]):
            enqueue_effect(send_password_reset_email, user_id=user.pk)
