"""The provisioning log: one row per SCIM request, as the org's admins see it (never a secret)."""

from __future__ import annotations

from datetime import datetime

from tenants.models import Organization
from tenants.scoping import all_orgs_scope, org_bound

from ..models import ProvisioningEvent


@org_bound
def provisioning_event_record(*, org: Organization, method: str, path: str, credential_name: str, status: int,
                              scim_type: str = "", duration_ms: int = 0, user_public_id: str = "",
                              group_public_id: str = "", request_body=None) -> ProvisioningEvent:
    """One INSERT. The caller removes secrets from `request_body` first. No actor: the row itself
    names the credential, and the log is not audited (it is the record)."""
    return ProvisioningEvent.objects.create(
        org=org, method=method, path=path[:500], credential_name=credential_name, status=status,
        scim_type=scim_type, duration_ms=duration_ms, user_public_id=user_public_id,
        group_public_id=group_public_id, request_body=request_body,
    )


def provisioning_events_prune(*, before: datetime) -> int:
    """Delete every org's events created before `before`, in one statement (a retention job)."""
    with all_orgs_scope():
        deleted, _ = ProvisioningEvent.objects.filter(created__lt=before).delete()
    return deleted
