"""Forgot password: a reset link by e-mail (issue 16, "Sign-in: Forgot password?")."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def ask_for_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)


def test_the_sign_in_page_offers_a_reset(client):
    body = client.get(reverse("console:login")).content.decode()
    assert 'href="/forgot-password/"' in body
    assert client.get("/forgot-password/", follow=True).redirect_chain[-1][0] == reverse("accounts:password_reset")


def test_a_reset_link_by_email_sets_a_new_password(client, django_capture_on_commit_callbacks):
    person = UserFactory(email="ann@acme.example")
    response = ask_for_reset(client, "ANN@acme.example", django_capture_on_commit_callbacks)
    assert "Check your e-mail" in response.content.decode()
    link = re.search(r"https?://[^/\s]+(/accounts/set-password/\S+/)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                       {"new_password1": "a-brand-new-passphrase-7", "new_password2": "a-brand-new-passphrase-7"},
                       follow=True)
    assert "Password saved" in done.content.decode()
    person.refresh_from_db()
    assert person.check_password("a-brand-new-passphrase-7") and not person.check_password(TEST_PASSWORD)
    assert "This link has expired" in client.get(link, follow=True).content.decode()  # once only


def test_an_unknown_address_is_answered_the_same_and_sent_nothing(client, django_capture_on_commit_callbacks):
    response = ask_for_reset(client, "nobody@acme.example", django_capture_on_commit_callbacks)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []
