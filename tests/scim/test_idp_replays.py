"""Replays every step of the Okta and Entra user and group fixtures (copied from ../shared/idp-requests/), in order.

The matching rules are the fixture README's: objects match on a subset of keys, each array element
given must match some element of the response array, `null` skips the body check.
"""

import json
import re
from pathlib import Path

import pytest

from .conftest import body_of, scim_client_for

FIXTURES = Path(__file__).parent / "idp_requests"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def substitute(value, variables):
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), value)
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, variables) for key, item in value.items()}
    return value


def contains(actual, expected) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and contains(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and all(any(contains(a, e) for a in actual) for e in expected)
    return actual == expected


def dotted(body, path):
    value = body
    for part in re.findall(r"[^.\[\]]+", path):
        value = value[int(part)] if part.isdigit() else value[part]
    return value


@pytest.mark.parametrize("fixture", ["okta-users.json", "entra-users.json", "okta-groups.json", "entra-groups.json"])
def test_idp_replay(client, scim_org, fixture):
    scim = scim_client_for(client, scim_org)
    variables = {"token": scim.auth.removeprefix("Bearer "), "auth": scim.auth}
    for number, step in enumerate(json.loads((FIXTURES / fixture).read_text()), start=1):
        step = {key: value for key, value in step.items() if key != "source"}
        headers = substitute(step.get("headers") or {}, variables)
        body = substitute(step.get("body"), variables)
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type=headers.pop("Content-Type", "application/scim+json"))
        else:
            headers.pop("Content-Type", None)
        response = getattr(client, step["method"].lower())("/scim/v2" + substitute(step["path"], variables), **kwargs)
        label = f"{fixture} step {number} ({step['name']})"
        allowed = step["expect"]["status"] if isinstance(step["expect"]["status"], list) else [step["expect"]["status"]]
        assert response.status_code in allowed, f"{label}: {response.status_code} {response.content[:500]!r}"
        parsed = body_of(response)
        expected = substitute(step["expect"].get("body_contains"), variables)
        # A 204 (group PATCH, which the fixtures allow) has no body to hold what a 200 would show.
        if expected is not None and response.status_code != 204:
            assert contains(parsed, expected), f"{label}: {json.dumps(parsed)[:1500]}"
        for key in step["expect"].get("body_absent") or []:
            assert key not in (parsed or {}), f"{label}: {key} must not be in the response"
        for name, path in (step.get("capture") or {}).items():
            variables[name] = dotted(parsed, path)
