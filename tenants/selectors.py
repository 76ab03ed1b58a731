"""Reads of orgs, memberships and domains for views, admin and other apps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import User

from .domain_checks import normalize_domain_name
from .models import AuditEvent, Domain, Membership, Organization
from .scoping import TenantManager, all_orgs_scope, org_bound, org_scope


def memberships_of_user(user: User) -> QuerySet[Membership]:
    """Every org the user belongs to: the console's org picker runs before any org is in scope, so
    this one read spans orgs, and only ever for the signed-in user's own rows."""
    manager: TenantManager = Membership.objects
    return manager.unscoped_for_credential_lookup().filter(user=user).select_related("org").order_by("org__name")


def console_membership(*, user: User, org_public_id: str | None) -> Membership | None:
    """The membership the console acts through: the chosen org, or the only one the user has."""
    memberships = memberships_of_user(user)
    if org_public_id:
        return memberships.filter(org__public_id=org_public_id).first()
    only_two = list(memberships[:2])
    return only_two[0] if len(only_two) == 1 else None


def org_members(org: Organization) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("created")


def org_administrators(org: Organization) -> QuerySet[Membership]:
    return org_members(org).filter(role__in=[Membership.Role.OWNER, Membership.Role.ADMIN])


def membership_by_public_id(org: Organization, public_id: str) -> Membership:
    """Raises Membership.DoesNotExist for another org's id exactly as for one that never existed."""
    return org_members(org).get(public_id=public_id)


def org_domains(org: Organization) -> QuerySet[Domain]:
    with org_scope(org):
        return Domain.objects.order_by("name")


def domain_by_public_id(org: Organization, public_id: str) -> Domain:
    """Raises Domain.DoesNotExist for another org's id exactly as for one that never existed."""
    with org_scope(org):
        return Domain.objects.get(public_id=public_id)


@org_bound
def domains_blocking_provisioning(*, org: Organization, domains: Iterable[str]) -> list[str]:
    """The e-mail domains (any case) that the org may not provision users at, normalised and in order.

    Empty when the org's policy "provisioned users must use a verified domain" is off. Otherwise a
    domain passes only when this org has it verified or verified-uncertain (still in its grace
    period). Exact names only: verifying example.com does not cover sub.example.com, which may
    belong to another org. A name that is not a valid domain is always blocked.
    """
    if not org.require_verified_domains:
        return []
    wanted: dict[str, None] = {}
    for raw in domains:
        try:
            wanted[normalize_domain_name(raw)] = None
        except ValidationError:
            wanted[(raw or "").strip().lower()] = None
    with org_scope(org):
        allowed = set(
            Domain.objects.filter(name__in=list(wanted), status__in=Domain.VERIFIED_STATUSES).values_list("name", flat=True)
        )
    return [name for name in wanted if name not in allowed]


def domains_due_for_reverification(*, now: datetime, interval: timedelta) -> QuerySet[Domain]:
    """Verified domains of every org whose last check is at least `interval` old (cross-org job)."""
    with all_orgs_scope():
        return Domain.objects.filter(status__in=Domain.VERIFIED_STATUSES).filter(
            Q(last_checked__isnull=True) | Q(last_checked__lte=now - interval)
        )


@org_bound
def audit_events(*, org: Organization, actor_label: str = "", action: str = "") -> QuerySet[AuditEvent]:
    """The org's audit log, newest first; `actor_label` (an e-mail or credential) and `action` narrow it."""
    events = AuditEvent.objects.order_by("-created", "-id")
    if actor_label:
        events = events.filter(actor_label=actor_label)
    if action:
        events = events.filter(action=action)
    return events
