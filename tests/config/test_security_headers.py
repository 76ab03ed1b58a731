from django.urls import reverse

from tests.factories import TEST_PASSWORD


def test_console_pages_carry_a_csp_without_inline_scripts(owner_client):
    response = owner_client.get(reverse("console:index"))
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_sign_in_is_throttled_after_five_failures(client, owner):
    for attempt in range(5):
        email = owner.email.upper() if attempt % 2 else owner.email
        client.post(reverse("console:login"), {"username": email, "password": "wrong"})
    response = client.post(reverse("console:login"), {"username": owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_forms_are_csrf_protected(owner, db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("console:login"), {"username": owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 403


def test_scim_responses_carry_the_strictest_policy_and_the_console_its_own(client, owner_client):
    # (JSON for identity providers: nothing in it may load or frame anything)
    for response in (client.get("/scim/v2/ServiceProviderConfig"), client.get("/scim/v2/Users")):
        assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in owner_client.get(reverse("console:index"))["Content-Security-Policy"]
