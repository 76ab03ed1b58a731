"""Which identity provider sent a SCIM request, and what the provisioning log should say about it.

recognise() runs when a request is logged (User-Agent, then request shape); hints() runs when the log
is shown, in plain words: an IdP quirk the service accepted, or something an IdP commonly sends that
the org's settings refused, and what to do about it.
"""

from __future__ import annotations

import re

OKTA, ENTRA, OTHER = "okta", "entra", "other"
NAMES = {OKTA: "Okta", ENTRA: "Microsoft Entra ID", OTHER: "Other"}

# Entra writes PatchOp op names capitalised ("Replace", "Add"); RFC 7644 and Okta write them lower case.
_CAPITALISED_OPS = {"Add", "Replace", "Remove"}


def recognise(user_agent: str, body) -> str:
    agent = (user_agent or "").lower()
    if "okta" in agent:
        return OKTA
    if any(word in agent for word in ("microsoft", "azure", "entra", "aad")):
        return ENTRA
    operations = body.get("Operations") if isinstance(body, dict) else None
    if isinstance(operations, list) and any(isinstance(op, dict) and op.get("op") in _CAPITALISED_OPS for op in operations):
        return ENTRA
    return OTHER


def _active_as_string(body) -> str | None:
    """The string Entra sent for `active` ("True"/"False"), if it sent one."""
    for operation in (body or {}).get("Operations", []) if isinstance(body, dict) else []:
        if not isinstance(operation, dict):
            continue
        value = operation.get("value")
        if str(operation.get("path", "")).lower() == "active" and isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("active"), str):
            return value["active"]
    return None


_UNVERIFIED = re.compile(r"The domain (?P<domains>.+?) is not verified by this organization")


def hints(event) -> list[str]:
    """Plain-words explanations of one ProvisioningEvent."""
    idp = NAMES.get(event.idp, "Your identity provider") if event.idp != OTHER else "Your identity provider"
    found = []
    active = _active_as_string(event.request_body)
    if active is not None and event.status < 400:
        found.append(f'{idp} sent active as the string "{active}": accepted as {active.lower()}.')
    unverified = _UNVERIFIED.search(event.detail or "")
    if unverified:
        found.append(f"{idp} pushed a user whose domain is not verified: verify {unverified['domains']} under Domains, "
                     "or turn off \"require verified domains\" in Settings.")
    elif event.status == 401:
        found.append(f"{idp} sent a credential that is revoked, expired or mistyped: paste a current token or "
                     "secret into it (SCIM tokens and OAuth apps pages).")
    elif event.status == 403:
        found.append("The credential lacks a scope this request needs: add it on the app's Access settings, "
                     "or create a SCIM token with it.")
    elif event.status == 409:
        found.append(f"The user or group already exists here: let {idp} match it by userName (or displayName) "
                     "instead of creating it again.")
    elif event.status == 429:
        found.append(f"{idp} sent requests faster than this organization's limit: it retries after the Retry-After "
                     "delay, nothing is lost.")
    elif event.scim_type == "invalidFilter":
        found.append(f"{idp} filtered on an attribute this service does not support for filtering.")
    elif "userName to equal the primary e-mail" in (event.detail or ""):
        found.append("Your Settings require userName to equal the primary e-mail: map userName to the e-mail in "
                     f"{idp}, or turn that policy off in Settings.")
    return found
