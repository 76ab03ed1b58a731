"""The audit log of staff changes: every staff admin action on an org's objects writes one AuditEvent."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent, Organization
from .scoping import org_scope


def record_staff_action(*, org: Organization, actor, action: str, obj, detail: dict | None = None) -> AuditEvent:
    """Record `action` on `obj` (any model with a public_id or client_id). `detail` must hold no secrets."""
    object_id = getattr(obj, "public_id", None) or getattr(obj, "client_id", None) or str(obj.pk)
    with org_scope(org):
        return AuditEvent.objects.create(
            org=org, actor=actor, actor_email=getattr(actor, "email", "") or "", action=action,
            object_type=obj._meta.verbose_name, object_id=object_id, object_repr=str(obj)[:255], detail=detail or {},
        )


def org_audit_events(org: Organization, limit: int = 50) -> QuerySet[AuditEvent]:
    with org_scope(org):
        return AuditEvent.objects.order_by("-created", "-id")[:limit]
