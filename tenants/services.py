"""Every write to orgs, memberships and domains."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, normalize_email
from config.celery import enqueue_on_commit

from . import domain_checks
from .models import Domain, Membership, Organization
from .scoping import all_orgs_scope, org_bound, org_scope

Role = Membership.Role

AUDIT_ACTIONS = {
    "organization.settings_changed": "Changed the organization's settings",
    "member.invited": "Invited a member",
    "member.role_changed": "Changed a member's role",
    "member.removed": "Removed a member",
    "domain.added": "Added a domain",
    "domain.verified": "Verified a domain",
    "domain.verification_uncertain": "A verified domain failed its re-check",
    "domain.verification_lost": "A domain lost its verification",
    "domain.deleted": "Removed a domain",
    "domain.reverify_requested": "Asked for a domain to be re-checked",
    "console.signed_in": "Signed in to the console",
    "console.sign_in_failed": "Failed to sign in to the console",
}


def organization_create(*, name: str, owner: User) -> Organization:
    with transaction.atomic():
        org = Organization(name=name.strip())
        org.full_clean()
        org.save()
        with org_scope(org):
            Membership.objects.create(org=org, user=owner, role=Role.OWNER)
    return org


@org_bound
def lock_org(*, org: Organization) -> None:
    """Serialise a per-org rule check with its write (inside a transaction) on the org row: two owners
    demoting each other can't leave the org ownerless, two clicks can't exceed a per-org limit."""
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
        lock_org(org=org)
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
        lock_org(org=org)
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
        lock_org(org=org)
        membership = Membership.objects.select_related("user", "org").get(pk=membership.pk)
        actor_membership = _actor_membership(org, actor)
        if membership.pk != actor_membership.pk:
            _require_owner_for(actor_membership, membership.role)
        _ensure_an_owner_remains(membership)
        membership.delete()


SETTINGS_FIELDS = ("name", "require_verified_domains", "username_must_equal_primary_email", "send_welcome_emails")


def organization_update_policy(*, org: Organization, actor: User, **changes) -> Organization:
    """Owners set the org's name and policies (any of SETTINGS_FIELDS); admins only read them."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Not an organization setting: {', '.join(sorted(unknown))}")
    with transaction.atomic(), org_scope(org):
        lock_org(org=org)
        if _actor_membership(org, actor).role != Role.OWNER:
            raise PermissionDenied("Only an owner can change the organization's settings.")
        for field, value in changes.items():
            setattr(org, field, value.strip() if isinstance(value, str) else value)
        org.full_clean()
        org.save(update_fields=list(changes))
    return org


# --- Domains --------------------------------------------------------------------------------------

MAX_DOMAINS_PER_ORG = 100
# Deliberately names no org: which org holds a domain is that org's business (DESIGN.md invariant 1).
DOMAIN_TAKEN_MESSAGE = "{name} is already verified by another organization."
Status = Domain.Status


def _require_domain_administrator(org: Organization, actor: User) -> None:
    # Staff act for any org from the staff admin; in the console, owners and admins.
    if not actor.is_staff:
        _actor_membership(org, actor)


def _verified_elsewhere(org: Organization, name: str) -> bool:
    # A cross-org read that answers only yes or no, never which org.
    with all_orgs_scope():
        return Domain.objects.filter(name=name, status__in=Domain.VERIFIED_STATUSES).exclude(org=org).exists()


def domain_add(*, org: Organization, actor: User, name: str) -> Domain:
    """Claim a domain for the org; it stays unverified until its DNS record or HTTPS file is found."""
    name = domain_checks.normalize_domain_name(name)
    domain_checks.validate_claimable_domain(name)
    with transaction.atomic(), org_scope(org):
        lock_org(org=org)  # serialises the count below with concurrent additions
        _require_domain_administrator(org, actor)
        if Domain.objects.filter(name=name).exists():
            raise ValidationError(f"{name} is already one of {org.name}'s domains.", code="duplicate_domain")
        if Domain.objects.count() >= MAX_DOMAINS_PER_ORG:
            raise ValidationError(
                f"An organization can have at most {MAX_DOMAINS_PER_ORG} domains; remove one first.",
                code="too_many_domains",
            )
        if _verified_elsewhere(org, name):
            raise ValidationError(DOMAIN_TAKEN_MESSAGE.format(name=name), code="domain_taken")
        domain = Domain(org=org, name=name, token=secrets.token_hex(16), added_by=actor)
        domain.full_clean()
        domain.save()
    return domain


def domain_remove(*, org: Organization, actor: User, domain: Domain) -> None:
    with transaction.atomic(), org_scope(org):
        _require_domain_administrator(org, actor)
        Domain.objects.filter(pk=domain.pk).delete()


def _record_success(domain: Domain, method: str, now: datetime) -> None:
    domain.status = Status.VERIFIED
    domain.verified_by_method = method
    domain.date_last_verification = now
    domain.uncertain_since = None
    domain.last_failure_reason = ""
    try:
        # The partial unique constraint decides a race between two orgs verifying the same name.
        with transaction.atomic():
            domain.save()
    except IntegrityError:
        checked = domain.last_checked
        domain.refresh_from_db()
        domain.last_checked, domain.last_failure_reason = checked, DOMAIN_TAKEN_MESSAGE.format(name=domain.name)
        domain.save(update_fields=["last_checked", "last_failure_reason"])


def _save_check(domain: Domain, result: domain_checks.CheckResult, method: str, now: datetime) -> None:
    domain.last_checked = now
    if result.passed:
        _record_success(domain, method, now)
    else:
        domain.last_failure_reason = result.reason
        domain.save(update_fields=["last_checked", "last_failure_reason"])


def domain_verify(*, org: Organization, actor: User, domain: Domain, method: str, now: datetime | None = None) -> Domain:
    """"Verify now": look for the DNS record or HTTPS file and record what was found.

    A failed check never downgrades an already verified domain (the daily re-check, which tries
    both methods, does that); it only records the reason. Returns the domain; a success shows as
    domain.status verified and an empty last_failure_reason.
    """
    check = domain_checks.CHECKS.get(method)
    if check is None:
        raise ValidationError(f"Unknown verification method {method!r}.", code="invalid_method")
    with org_scope(org):
        _require_domain_administrator(org, actor)
        domain = Domain.objects.get(pk=domain.pk)
    if _verified_elsewhere(org, domain.name):
        result = domain_checks.CheckResult(False, DOMAIN_TAKEN_MESSAGE.format(name=domain.name))
    else:
        # The network check runs outside any transaction: no lock is held while waiting on DNS.
        result = check(domain.name, domain.token)
    with transaction.atomic(), org_scope(org):
        domain = Domain.objects.select_for_update().get(pk=domain.pk)
        _save_check(domain, result, method, now or timezone.now())
    return domain


def _notify_owners_of_lapse(domain: Domain) -> None:
    from .tasks import send_domain_lapsed_email

    enqueue_on_commit(send_domain_lapsed_email, domain_id=domain.pk, org_id=domain.org_id)


def domain_reverify(*, org: Organization, domain_id: int, now: datetime | None = None) -> Domain | None:
    """Check both methods now: the daily re-check of verified domains, and staff's "Re-verify now".

    Either method passing verifies the domain. A failure makes a verified domain verified-uncertain;
    after REVERIFICATION_GRACE of failures it becomes unverified and the org's owners get an e-mail.
    An unverified domain only records why it failed. Returns None when the domain was removed.
    """
    now = now or timezone.now()
    with org_scope(org):
        domain = Domain.objects.filter(pk=domain_id).first()
    if domain is None:
        return None
    failures = []
    # The method that proved it last goes first; usually it is the only one published.
    for method in sorted(domain_checks.CHECKS, key=lambda method: method != domain.verified_by_method):
        result = domain_checks.CHECKS[method](domain.name, domain.token)
        if result.passed:
            break
        failures.append(f"{Domain.Method(method).label}: {result.reason}")
    else:
        result = domain_checks.CheckResult(False, " ".join(failures))
    with transaction.atomic(), org_scope(org):
        domain = Domain.objects.select_for_update().filter(pk=domain_id).first()
        if domain is None:
            return None
        domain.last_checked = now
        if result.passed:
            _record_success(domain, method, now)
            return domain
        domain.last_failure_reason = result.reason
        if domain.status == Status.VERIFIED:
            domain.status, domain.uncertain_since = Status.VERIFIED_UNCERTAIN, now
        elif (deadline := domain.reverification_deadline()) is not None and now >= deadline:
            domain.status, domain.uncertain_since, domain.verified_by_method = Status.UNVERIFIED, None, ""
            _notify_owners_of_lapse(domain)
        domain.save()
    return domain


def domain_mark_verified_for_demo(*, org: Organization, name: str) -> Domain:
    """DEMO ONLY (seed_demo): a verified domain without any proof. Refused unless settings.DEBUG."""
    if not settings.DEBUG:
        raise PermissionDenied("Marking a domain verified without proof is only for the DEBUG demo.")
    name = domain_checks.normalize_domain_name(name)
    with transaction.atomic(), org_scope(org):
        domain = Domain.objects.filter(name=name).first() or Domain(org=org, name=name, token=secrets.token_hex(16))
        domain.last_checked = timezone.now()
        _record_success(domain, Domain.Method.DNS, domain.last_checked)
    return domain
