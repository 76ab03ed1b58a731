import json

import pytest

from oauthapps import scopes
from oauthapps.services import scim_token_create
from tenants.audit import Actor
from tenants.models import Organization
from tests.factories import OrganizationFactory


def open_org(name: str) -> Organization:
    """An org whose policy lets any e-mail domain be provisioned (IdP fixtures use example.com)."""
    return OrganizationFactory(name=name, require_verified_domains=False)


class ScimClient:
    """Django's test client speaking SCIM with one credential."""

    def __init__(self, client, raw_token):
        self.client = client
        self.auth = f"Bearer {raw_token}"

    def request(self, method, path, body=None, headers=None, raw=None):
        headers = {"Authorization": self.auth, **(headers or {})}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"data": data, "content_type": "application/scim+json"} if data is not None else {}
        return getattr(self.client, method.lower())("/scim/v2" + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def scim_client_for(client, org, scope_list=scopes.MANAGED_USERS, name="Okta"):
    _, raw = scim_token_create(org=org, actor=Actor.system(), name=name, scopes=list(scope_list))
    return ScimClient(client, raw)


@pytest.fixture
def scim_org(db):
    return open_org("Acme SCIM")


@pytest.fixture
def other_scim_org(db):
    return open_org("Globex SCIM")


@pytest.fixture
def scim(client, scim_org):
    return scim_client_for(client, scim_org)


@pytest.fixture
def other_scim(scim_org, other_scim_org):
    from django.test import Client

    return scim_client_for(Client(), other_scim_org, name="Entra")


def user_body(user_name, **extra):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"value": user_name if "@" in user_name else f"{user_name}@example.com", "type": "work", "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


def body_of(response):
    """The parsed JSON of a response, streamed (a group's GET) or not; None when empty (204)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(content) if content else None


def group_body(display_name, member_ids=(), **extra):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": display_name,
            "members": [{"value": member_id} for member_id in member_ids]}
    body.update(extra)
    return body


def make_users(scim, count, prefix="member"):
    """`count` users created through SCIM; their ids."""
    return [body_of(scim.post("/Users", user_body(f"{prefix}{n}@example.com")))["id"] for n in range(count)]


def count_queries_of(action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def statements_of(action) -> list[str]:
    """The SQL each statement `action` sent, recorded as it is sent (a failed one included)."""
    from django.db import connection

    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        action()
    return sent
