"""What staff may do to an org's directory from /admin/; each change is recorded in the org's audit log."""

from __future__ import annotations

from django.db import transaction

from tenants import audit
from tenants.scoping import org_scope

from .models import ScimUser
from .services import sync_account_access


def deactivate_user(*, actor, user: ScimUser) -> ScimUser:
    """Set active=false as a SCIM PATCH would (the account loses access at once); no-op if already so."""
    if user.active is False:
        return user
    org = user.org
    with transaction.atomic(), org_scope(org):
        user.active = False
        user.version += 1
        user.save(update_fields=["active", "version", "last_modified"])
        sync_account_access(org=org, user=user)
        audit.record(org=org, actor=audit.Actor.staff(actor), action="scim_user.deactivated", obj=user,
                            detail={"userName": user.user_name})
    return user
