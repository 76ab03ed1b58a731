"""Cross-org isolation of the management API, generated from its URL patterns (DESIGN.md invariant 1).

Org B's owner key (read-write) asks for each of org A's objects with every method: the answer is 404,
exactly as for an id that never existed (405 for a method the path doesn't take, before any lookup),
and org A's rows are unchanged. Lists show org B nothing of org A. A new pattern that takes an id
fails here until OBJECT_IDS says how to build one of an org's objects.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from api.urls import urlpatterns
from events.models import Event, WebhookDelivery
from events.services import webhook_endpoint_create
from oauthapps import scopes
from oauthapps.services import application_create, scim_token_create
from scim.models import Group, ScimUser
from tenants.audit import Actor
from tenants.invitations import invitation_create
from tenants.models import Domain, Membership
from tenants.scoping import org_scope
from tests import org_binding
from tests.factories import OrganizationFactory, UserFactory, add_member

from .conftest import Api, make_key

MARKER = "zq-org-a-only"


@pytest.fixture
def orgs(db):
    org_a, org_b = OrganizationFactory(name=f"Acme {MARKER}"), OrganizationFactory(name="Globex")
    owner_a, owner_b = UserFactory(email=f"{MARKER}@acme.example"), UserFactory()
    add_member(org_a, owner_a, Membership.Role.OWNER)
    add_member(org_b, owner_b, Membership.Role.OWNER)
    actor = Actor.member(owner_a)
    member = add_member(org_a, UserFactory(email=f"{MARKER}-member@acme.example"))
    invitation = invitation_create(org=org_a, actor=actor, email=f"{MARKER}-invitee@example.com", role="member")
    with org_scope(org_a):
        domain = Domain.objects.create(org=org_a, name=f"{MARKER}.example", token="0" * 32)
        user = ScimUser.objects.create(org=org_a, user_name=f"{MARKER}@example.com")
        group = Group.objects.create(org=org_a, display_name=f"{MARKER} group")
    application, _ = application_create(org=org_a, actor=actor, grant_type="authorization-code", name=f"{MARKER} app",
                                        company_name="Acme", redirect_url="https://acme.example/cb",
                                        scopes=list(scopes.MANAGED_USERS))
    token, _ = scim_token_create(org=org_a, actor=actor, name=f"{MARKER} token", scopes=[scopes.READ])
    endpoint, _ = webhook_endpoint_create(org=org_a, actor=actor, url=f"https://{MARKER}.example/hooks")
    with org_scope(org_a):
        event = Event.objects.create(org=org_a, sequence=1, type="domain.verified", resource_type="Domain",
                                     resource_id=f"{MARKER}-domain")
        delivery = WebhookDelivery.objects.create(org=org_a, endpoint=endpoint, event=event,
                                                  status=WebhookDelivery.Status.SUCCEEDED)
    ids = {"member_id": member.public_id, "invitation_id": invitation.public_id, "domain_id": domain.public_id,
           "user_id": user.public_id, "group_id": group.public_id, "client_id": application.client_id,
           "token_id": token.public_id, "endpoint_id": endpoint.public_id, "delivery_id": delivery.public_id}
    return {"a": org_a, "b": org_b, "ids": ids, "owner_b": owner_b, "owner_a": owner_a}


# URL argument -> what it names (every argument an API path takes must be here).
OBJECT_IDS = {"member_id", "invitation_id", "domain_id", "user_id", "group_id", "client_id", "token_id", "endpoint_id",
              "delivery_id"}
PATTERNS = [pattern for pattern in urlpatterns if isinstance(pattern, URLPattern) and pattern.name]
WITH_IDS = [pattern for pattern in PATTERNS if pattern.pattern.converters]
LISTS = [pattern for pattern in PATTERNS if not pattern.pattern.converters and pattern.name not in ("schema", "docs")]
# A body that would be valid for org A's object, so a refusal is about the org, not the input.
BODIES = {"role": "admin", "name": "renamed", "method": "dns", "grace_days": 0}


def _path(pattern, ids) -> str:
    route = str(pattern.pattern)
    for name in pattern.pattern.converters:
        assert name in OBJECT_IDS, f"API path {route} takes {name}: add it to OBJECT_IDS so its isolation is tested"
        route = route.replace(f"<pid:{name}>", ids[name])
    return f"/api/v1/{route}"


def _without_ids(text: str, ids: dict) -> str:
    for value in ids.values():
        text = text.replace(value, "XX00")
    return text


@pytest.mark.parametrize("pattern", WITH_IDS, ids=lambda pattern: pattern.name)
def test_another_orgs_object_is_404_whatever_the_method(client, orgs, pattern):
    api = Api(client, make_key(orgs["b"], orgs["owner_b"]))
    before = org_binding.snapshot(orgs["a"])
    path = _path(pattern, orgs["ids"])
    for method in ("get", "post", "patch", "put", "delete"):
        response = api(method, path, BODIES)
        assert response.status_code in (404, 405), f"{method.upper()} {path}: {response.status_code}"
        assert MARKER not in response.content.decode()
        if response.status_code == 404:  # the same words as for an id that never existed
            missing = api(method, _path(pattern, dict.fromkeys(OBJECT_IDS, "XX00")), BODIES).json()["detail"]
            assert _without_ids(response.json()["detail"], orgs["ids"]) == missing
    assert org_binding.snapshot(orgs["a"]) == before


@pytest.mark.parametrize("pattern", WITH_IDS, ids=lambda pattern: pattern.name)
def test_the_orgs_own_key_reaches_the_object(client, orgs, pattern):
    api = Api(client, make_key(orgs["a"], orgs["owner_a"], access="read"))
    response = api.get(_path(pattern, orgs["ids"]))
    assert response.status_code in (200, 405), response.content


@pytest.mark.parametrize("pattern", LISTS, ids=lambda pattern: pattern.name)
def test_lists_show_another_org_nothing(client, orgs, pattern):
    api = Api(client, make_key(orgs["b"], orgs["owner_b"], access="read"))
    response = api.get(f"/api/v1/{pattern.pattern}")
    assert response.status_code == 200
    assert MARKER not in response.content.decode()
