"""One name for a directory user across the console's pages (issue 16, defect 14)."""

import pytest
from django.urls import reverse

from scim.models import Group, ScimUser
from tenants.scoping import org_scope

pytestmark = pytest.mark.django_db


def test_a_user_without_display_name_has_the_same_name_on_every_page(owner_client, org):
    with org_scope(org):
        bob = ScimUser.objects.create(org=org, user_name="bob@acme.example", given_name="Bob", family_name="Jones")
        group = Group.objects.create(org=org, display_name="Engineering")
        group.memberships.create(org=org, user=bob)
    pages = [reverse("console:scim_users"), reverse("console:scim_user", args=[bob.public_id]),
             reverse("console:scim_group", args=[group.public_id])]
    for url in pages:
        body = owner_client.get(url).content.decode()
        assert "Bob Jones" in body, url
        assert ">Bob<" not in body, url
