"""schemathesis against the management API's own OpenAPI document, on a live server on loopback:
for every operation, bounded property-based examples (valid and invalid input) with an owner's
read-write key. No answer is a 5xx, and every answer conforms to the document (status code, content
type, body schema). SCHEMATHESIS_EXAMPLES sets the examples per operation (default 25)."""

import os

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from schemathesis.checks import not_a_server_error
from tenants.models import Membership
from tests.factories import OrganizationFactory, UserFactory, add_member

from .conftest import make_key

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture
def owner_key(transactional_db):
    org = OrganizationFactory(name="Acme")
    owner = UserFactory(email="owner@acme.example")
    add_member(org, owner, Membership.Role.OWNER)
    add_member(org, UserFactory(), Membership.Role.MEMBER)
    return make_key(org, owner)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, live_server, owner_key):
    case.call_and_validate(base_url=live_server.url, headers={"Authorization": f"Bearer {owner_key}"},
                           checks=CHECKS, timeout=30)
