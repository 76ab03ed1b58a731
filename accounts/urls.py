from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .password_reset import PasswordResetByEmailForm

app_name = "accounts"

urlpatterns = [
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetByEmailForm, template_name="accounts/password_reset.html",
            success_url=reverse_lazy("accounts:password_reset_sent"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_sent",
    ),
    path(
        "set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/set_password.html",
            success_url=reverse_lazy("accounts:set_password_done"),
        ),
        name="set_password",
    ),
    path(
        "set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/set_password_done.html"),
        name="set_password_done",
    ),
]
