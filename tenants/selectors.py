"""Reads of orgs and memberships for views, admin and other apps."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import Membership, Organization
from .scoping import TenantManager


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
