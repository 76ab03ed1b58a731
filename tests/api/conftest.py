from datetime import datetime

import pytest

from oauthapps.services import api_key_create
from tenants.audit import Actor
from tenants.models import Membership
from tests.factories import UserFactory, add_member


@pytest.fixture
def admin(org):
    user = UserFactory(email="admin@acme.example")
    add_member(org, user, Membership.Role.ADMIN)
    return user


def make_key(org, creator, *, access="read_write", role="owner", expires: datetime | None = None,
             name="Terraform") -> str:
    """A raw API key of `org`, created by `creator` (an owner or admin of it)."""
    _key, raw = api_key_create(org=org, actor=Actor.member(creator), name=name, access=access, role=role,
                               expires=expires)
    return raw


class Api:
    """The Django test client speaking to /api/v1/ with one key."""

    def __init__(self, client, raw_key: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw_key}"} if raw_key else {}

    def __call__(self, method: str, path: str, body=None, **headers):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path, **headers):
        return self("get", path, **headers)


@pytest.fixture
def owner_api(client, org, owner):
    return Api(client, make_key(org, owner))


@pytest.fixture
def read_api(client, org, owner):
    return Api(client, make_key(org, owner, access="read"))


@pytest.fixture
def admin_api(client, org, admin):
    return Api(client, make_key(org, admin, role="admin"))
