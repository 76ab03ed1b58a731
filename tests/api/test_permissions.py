"""Role permissions per endpoint, generated from the API's URL patterns: a read key is refused (403)
every write the API has, and changes nothing; an admin key is refused what only an owner may do."""

import pytest

from tenants.models import Membership
from tenants.scoping import org_scope
from tests import org_binding
from tests.factories import UserFactory, add_member

from .conftest import Api, make_key
from .test_authentication import assert_problem
from .test_isolation import BODIES, PATTERNS, _path, orgs  # noqa: F401  (orgs is a fixture)

WRITES = [
    (pattern, method) for pattern in PATTERNS if pattern.name not in ("schema", "docs")
    for method in ("post", "patch", "put", "delete") if hasattr(pattern.callback.view_class, method)
]


@pytest.mark.parametrize("pattern, method", WRITES, ids=[f"{method} {pattern.name}" for pattern, method in WRITES])
def test_a_read_key_is_refused_every_write(client, orgs, pattern, method):
    api = Api(client, make_key(orgs["a"], orgs["owner_a"], access="read"))
    api.get("organization/")  # the key's last use is recorded now, not during the refusal below
    before = org_binding.snapshot(orgs["a"])
    body = assert_problem(api(method, _path(pattern, orgs["ids"]), BODIES), 403)
    assert body["detail"] == "This API key is read-only."
    assert org_binding.snapshot(orgs["a"]) == before


def test_every_write_endpoint_is_covered():
    assert len(WRITES) >= 17


# What the console lets only an owner do: an admin key (read-write) is refused each, with nothing changed.
OWNER_ONLY = {
    "update the organization": lambda o: ("patch", "organization/", {"name": "Renamed"}),
    "invite an owner": lambda o: ("post", "invitations/", {"email": "boss@example.com", "role": "owner"}),
    "make a member an owner": lambda o: ("patch", f"members/{o['ids']['member_id']}/", {"role": "owner"}),
    "demote an owner": lambda o: ("patch", f"members/{o['owner_member_id']}/", {"role": "admin"}),
    "remove an owner": lambda o: ("delete", f"members/{o['owner_member_id']}/", None),
}


@pytest.mark.parametrize("action", sorted(OWNER_ONLY))
def test_an_admin_key_is_refused_what_only_an_owner_may_do(client, orgs, action):
    admin = UserFactory()
    add_member(orgs["a"], admin, Membership.Role.ADMIN)
    second_owner = add_member(orgs["a"], UserFactory(), Membership.Role.OWNER)
    api = Api(client, make_key(orgs["a"], admin, role="admin"))
    api.get("organization/")
    before = org_binding.snapshot(orgs["a"])
    method, path, body = OWNER_ONLY[action]({**orgs, "owner_member_id": second_owner.public_id})
    assert_problem(api(method, path, body), 403)
    assert org_binding.snapshot(orgs["a"]) == before


def test_an_owner_key_acts_as_an_admin_once_its_creator_is_one(client, orgs):
    api = Api(client, make_key(orgs["a"], orgs["owner_a"], role="owner"))
    second_owner = add_member(orgs["a"], UserFactory(), Membership.Role.OWNER)
    with org_scope(orgs["a"]):
        creator = Membership.objects.get(user=orgs["owner_a"])
    assert api("patch", "organization/", {"name": "Acme renamed"}).status_code == 200
    demote = Api(client, make_key(orgs["a"], second_owner.user))("patch", f"members/{creator.public_id}/",
                                                                 {"role": "admin"})
    assert demote.status_code == 200
    assert_problem(api("patch", "organization/", {"name": "Renamed again"}), 403)
