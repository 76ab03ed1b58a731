"""Sessions, the signed-in user, MFA and messages are the browser's: a SCIM request skips them."""

import logging

from django.urls import reverse


def test_a_scim_request_carrying_a_console_session_has_no_session_nor_signed_in_user(owner_client, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        response = owner_client.get("/scim/v2/ServiceProviderConfig")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")
    assert not hasattr(response.wsgi_request, "_messages")
    # The console's cookie names nobody in the API's request log.
    [record] = [r for r in caplog.records if r.name == "requests"]
    assert record.user_id is None


def test_a_console_request_still_has_its_session_signed_in_user_and_messages(owner_client, owner, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        response = owner_client.get(reverse("console:index"))
    assert response.status_code == 200
    assert response.wsgi_request.session.session_key
    assert response.wsgi_request.user == owner
    assert response.wsgi_request.user.is_verified() is not None  # django-otp's accessor is installed
    assert hasattr(response.wsgi_request, "_messages")
    [record] = [r for r in caplog.records if r.name == "requests"]
    assert record.user_id == owner.pk
