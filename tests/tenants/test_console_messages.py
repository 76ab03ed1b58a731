"""What the console says (issue 16, defects 7 and 10): messages as written and once, domain refusals in
plain words, IDNs as people write them, and invitations that default to a role that can use the console."""

import pytest
from django.core import mail
from django.urls import reverse

from oauthapps import scopes
from oauthapps.models import Application
from oauthapps.services import application_create, scim_token_create
from tenants import services
from tenants.audit import Actor
from tests.oauthapps.conftest import scim_token_form

pytestmark = pytest.mark.django_db


def test_a_message_that_starts_with_a_name_keeps_its_case(owner_client, org, owner):
    app, _ = application_create(org=org, actor=Actor.member(owner), grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                                name="entra prod", scopes=[scopes.READ])
    response = owner_client.post(reverse("console:oauth_app_status", args=[app.client_id]), {"status": "disabled"},
                                 follow=True)
    assert "entra prod is disabled" in response.content.decode()


def test_the_scim_token_limit_is_said_once(owner_client, org):
    for name in ("first", "second"):
        scim_token_create(org=org, actor=Actor.system(), name=name, scopes=[scopes.READ])
    response = owner_client.post(reverse("console:scim_token_new"), scim_token_form(
        owner_client, name="third", scopes=[scopes.READ]))
    assert response.content.decode().count("at most two active SCIM tokens") == 1


def test_a_name_that_is_not_a_domain_is_refused_in_plain_words(owner_client):
    response = owner_client.post(reverse("console:domain_add"), {"name": "not a domain!"})
    body = response.content.decode()
    assert "is not a domain name: use letters, digits and hyphens" in body
    assert "Codepoint" not in body and "position" not in body


def test_an_idn_is_shown_as_written_with_its_punycode(owner_client, org, owner):
    response = owner_client.post(reverse("console:domain_add"), {"name": "münchen.de"}, follow=True)
    body = response.content.decode()
    assert "Added münchen.de (xn--mnchen-3ya.de)" in body
    assert "münchen.de (xn--mnchen-3ya.de)" in owner_client.get(reverse("console:domains")).content.decode()


def test_the_invite_form_defaults_to_admin(owner_client):
    body = owner_client.get(reverse("console:members")).content.decode()
    assert '<option value="admin" selected>' in body


def test_a_member_invitation_says_what_a_member_can_do(owner_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("console:member_invite"), {"email": "bob@acme.example", "role": "member"})
    assert "can't use its identity console" in mail.outbox[-1].body
