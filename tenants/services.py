"""Every write to orgs and memberships."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User, normalize_email
from config.celery import enqueue_on_commit

from .models import Membership, Organization
from .scoping import org_scope

Role = Membership.Role


def organization_create(*, name: str, owner: User) -> Organization:
    with transaction.atomic():
        org = Organization(name=name.strip())
        org.full_clean()
        org.save()
        with org_scope(org):
            Membership.objects.create(org=org, user=owner, role=Role.OWNER)
    return org


def _lock_org(org: Organization) -> None:
    # Membership changes of one org are serialised on the org row, so two owners demoting each
    # other at the same moment cannot leave the org without an owner.
    Organization.objects.select_for_update().only("pk").get(pk=org.pk)


def _actor_membership(org: Organization, actor: User) -> Membership:
    membership = Membership.objects.filter(user=actor).first()
    if membership is None or not membership.can_administer:
        raise PermissionDenied("Only owners and admins manage members.")
    return membership


def _require_owner_for(actor_membership: Membership, *roles: str) -> None:
    if Role.OWNER in roles and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only an owner can grant, change or remove the owner role.")


def _ensure_an_owner_remains(membership: Membership) -> None:
    if membership.role != Role.OWNER:
        return
    if not Membership.objects.filter(role=Role.OWNER).exclude(pk=membership.pk).exists():
        raise ValidationError(
            f"The last owner of {membership.org.name} ({membership.user.email}) must stay an owner. "
            "Make another member an owner first.",
            code="last_owner",
        )


def membership_invite(*, org: Organization, actor: User, email: str, role: str, display_name: str = "") -> Membership:
    """Add a person to the org by e-mail; a person new to the product gets an invitation to set a password."""
    email = normalize_email(email)
    validate_email(email)
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.", code="invalid_role")
    with transaction.atomic(), org_scope(org):
        _lock_org(org)
        _require_owner_for(_actor_membership(org, actor), role)
        user = User.objects.filter(email=email).first()
        is_new_user = user is None
        if is_new_user:
            user = User.objects.create_user(email=email, password=None, display_name=display_name.strip())
        elif Membership.objects.filter(user=user).exists():
            raise ValidationError(f"{email} is already a member of {org.name}.", code="already_member")
        membership = Membership.objects.create(org=org, user=user, role=role, invited_by=actor)

        from .tasks import send_invitation_email

        enqueue_on_commit(send_invitation_email, membership_id=membership.pk, org_id=org.pk)
    return membership


def membership_change_role(*, org: Organization, actor: User, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.", code="invalid_role")
    with transaction.atomic(), org_scope(org):
        _lock_org(org)
        membership = Membership.objects.select_related("user", "org").get(pk=membership.pk)
        if membership.role == role:
            return membership
        _require_owner_for(_actor_membership(org, actor), membership.role, role)
        _ensure_an_owner_remains(membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, org: Organization, actor: User, membership: Membership) -> None:
    with transaction.atomic(), org_scope(org):
        _lock_org(org)
        membership = Membership.objects.select_related("user", "org").get(pk=membership.pk)
        actor_membership = _actor_membership(org, actor)
        if membership.pk != actor_membership.pk:
            _require_owner_for(actor_membership, membership.role)
        _ensure_an_owner_remains(membership)
        membership.delete()
