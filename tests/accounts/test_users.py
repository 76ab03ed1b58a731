import pytest
from django.db import IntegrityError, connection

from accounts.models import User


def test_email_is_stored_lower_case_and_unique_whatever_the_case(db):
    User.objects.create_user("Ann@Example.COM", "x" * 16)
    assert User.objects.get_by_natural_key("ANN@example.com").email == "ann@example.com"
    with pytest.raises(IntegrityError):
        User.objects.create_user("ann@EXAMPLE.com", "y" * 16)


def test_database_refuses_a_mixed_case_email_written_around_the_model(db):
    user = User.objects.create_user("bob@example.com", "x" * 16)
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET email = 'Bob@example.com' WHERE id = %s", [user.pk])


def test_set_password_link_lets_an_invited_person_choose_a_password(client, db):
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.create_user("invited@example.com")
    url = reverse(
        "accounts:set_password",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    form_page = client.get(url, follow=True)
    password = "a-long-enough-passphrase"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    user.refresh_from_db()
    assert user.check_password(password)
