"""The console's connection test: the first requests an IdP makes, against this org's own SCIM
endpoint, with a short-lived token, each step shown with its request, status and time.

The requests go through the whole Django stack in-process (middleware, credential, rate limit, SCIM
views, the provisioning log), as the IdP's would, without a web worker calling itself over the
network. Whatever the test creates it deletes, and its token is revoked at the end, whatever happened.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.test import Client

from oauthapps import services as credential_services
from tenants import selectors as tenant_selectors
from tenants.audit import Actor
from tenants.models import Organization


USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
TEST_NAME_PREFIX = "idadmin-connection-test-"


@dataclass
class Step:
    name: str
    method: str
    path: str
    expected: tuple[int, ...]
    status: int = 0
    duration_ms: int = 0
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status in self.expected

    @property
    def expected_text(self) -> str:
        return " or ".join(str(status) for status in self.expected)


def _test_email_domain(org: Organization) -> str | None:
    """A domain the org may provision at: a verified one, or any when the policy allows."""
    verified = [domain.name for domain in tenant_selectors.org_domains(org=org) if domain.is_verified]
    if verified:
        return verified[0]
    return None if org.require_verified_domains else "example.com"


class _Idp:
    """Speaks SCIM to this service the way an IdP does, recording each step."""

    def __init__(self, raw_token: str):
        base = urlsplit(settings.PUBLIC_BASE_URL)
        self.client = Client(SERVER_NAME=base.hostname or "localhost", SERVER_PORT=str(base.port or 443))
        self.secure = base.scheme == "https"
        self.auth = f"Bearer {raw_token}"
        self.steps: list[Step] = []

    def call(self, name: str, method: str, path: str, expected: int | tuple[int, ...], body=None):
        step = Step(name, method, "/scim/v2" + path, expected if isinstance(expected, tuple) else (expected,))
        started = time.monotonic()
        kwargs = {"data": json.dumps(body), "content_type": "application/scim+json"} if body is not None else {}
        response = getattr(self.client, method.lower())(
            step.path, secure=self.secure,
            headers={"Authorization": self.auth, "User-Agent": "idadmin connection test"}, **kwargs)
        step.duration_ms = int((time.monotonic() - started) * 1000)
        step.status = response.status_code
        content = b"".join(response.streaming_content) if response.streaming else response.content
        parsed = json.loads(content) if content else None
        if not step.passed and isinstance(parsed, dict):
            step.detail = str(parsed.get("detail", ""))
        self.steps.append(step)
        return parsed if step.passed else None


def run_connection_test(*, org: Organization, actor: Actor) -> tuple[list[Step], str]:
    """Run the steps; returns them and, when the test could not start, why."""
    domain = _test_email_domain(org)
    if domain is None:
        return [], ("Your organization only provisions users at verified domains and has none yet: verify a "
                    "domain first, then run the test again.")
    token, raw = credential_services.connection_test_token_create(org=org, actor=actor)
    idp = _Idp(raw)
    user_name = f"{TEST_NAME_PREFIX}{secrets.token_hex(4)}@{domain}"
    user_id = group_id = None
    try:
        idp.call("Discovery: ServiceProviderConfig", "GET", "/ServiceProviderConfig", 200)
        idp.call("Look the user up by userName (none yet)", "GET",
                 "/Users?filter=" + quote(f'userName eq "{user_name}"'), 200)
        created = idp.call("Create the test user", "POST", "/Users", 201, {
            "schemas": [USER_SCHEMA], "userName": user_name, "active": True,
            "name": {"givenName": "Connection", "familyName": "Test"},
            "emails": [{"value": user_name, "type": "work", "primary": True}]})
        user_id = created and created.get("id")
        if user_id:
            idp.call("Update the user (PATCH displayName)", "PATCH", f"/Users/{user_id}", 200, {
                "schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "displayName",
                                                           "value": "Connection Test"}]})
            idp.call("Deactivate the user (PATCH active false)", "PATCH", f"/Users/{user_id}", 200, {
                "schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": False}]})
            group = idp.call("Create a group with the user", "POST", "/Groups", 201, {
                "schemas": [GROUP_SCHEMA], "displayName": user_name.split("@")[0], "members": [{"value": user_id}]})
            group_id = group and group.get("id")
            if group_id:
                # RFC 7644 §3.5.2: 200 with the group, or 204; Okta and Entra take either.
                idp.call("Remove the user from the group", "PATCH", f"/Groups/{group_id}", (200, 204), {
                    "schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": f'members[value eq "{user_id}"]'}]})
    finally:
        if group_id:
            idp.call("Delete the group", "DELETE", f"/Groups/{group_id}", 204)
        if user_id:
            idp.call("Delete the test user", "DELETE", f"/Users/{user_id}", 204)
        credential_services.scim_token_revoke(org=org, actor=actor, token=token)
    return idp.steps, ""
