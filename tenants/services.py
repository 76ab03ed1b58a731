"""Every write to orgs, memberships and domains.

Each service is bound to the org it is given (@org_bound), takes who acts (a tenants.audit.Actor:
a member in the console, staff in /admin/, the system in tasks) and records what it did with
tenants.audit.record in the same transaction. Staff may do whatever an owner could; the rules (the
last owner, the per-org limits) hold for everyone.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from . import audit, domain_checks, selectors
from .audit import Actor, ActorKind
from .effects import enqueue_effect
from .errors import NotFound
from .models import Domain, Membership, Organization
from .scoping import all_orgs_scope, org_bound, org_scope

Role = Membership.Role

AUDIT_ACTIONS = {
    "organization.created": "Created the organization",
    "organization.settings_changed": "Changed the organization's settings",
    # Written before invitations needed acceptance; kept so old rows still read in words.
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

ADMINISTRATORS_ONLY = "Only owners and admins manage members."


def organization_create(*, name: str, owner: User, actor: Actor) -> Organization:
    """Create an org with its first owner (staff in /admin/, or the system for the demo).

    Not @org_bound: there is no org to bind to until this creates it; everything after runs in it.
    """
    if actor.kind not in (ActorKind.STAFF, ActorKind.SYSTEM):
        raise PermissionDenied("Only staff create organizations.")
    with transaction.atomic():
        org = Organization(name=name.strip())
        org.full_clean()
        org.save()
        with org_scope(org):
            Membership.objects.create(org=org, user=owner, role=Role.OWNER)
        audit.record(org=org, actor=actor, action="organization.created", obj=org, detail={"owner": owner.email})
    return org


@org_bound
def lock_org(*, org: Organization) -> None:
    """Serialise a per-org rule check with its write (inside a transaction) on the org row: two owners
    demoting each other can't leave the org ownerless, two clicks can't exceed a per-org limit."""
    Organization.objects.select_for_update().only("pk").get(pk=org.pk)


def _acting_role(actor: Actor) -> str:
    """The role `actor` acts with in the org in scope. Staff, and the system (tasks and commands,
    never a request), act as an owner would; a member acts through their own membership, which must
    be an owner's or an admin's; a management API key with the role it was given (oauthapps.credentials
    decides it). Anyone else (an IdP's credential) is refused."""
    if (actor.is_staff and getattr(actor.user, "is_staff", False)) or actor.kind == ActorKind.SYSTEM:
        return Role.OWNER
    if actor.kind == ActorKind.CREDENTIAL and actor.role in (Role.OWNER, Role.ADMIN):
        return actor.role
    if actor.kind == ActorKind.MEMBER and actor.user is not None:
        # A membership the org's IdP suspended acts for nobody (DESIGN.md invariant 9).
        membership = Membership.objects.filter(user=actor.user, suspended_by_idp=False).first()
        if membership is not None and membership.can_administer:
            return membership.role
    raise PermissionDenied(ADMINISTRATORS_ONLY)


def _require_owner_for(acting_role: str, *roles: str) -> None:
    if Role.OWNER in roles and acting_role != Role.OWNER:
        raise PermissionDenied("Only an owner can grant, change or remove the owner role.")


def _require_known_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.", code="invalid_role")


def _ensure_an_owner_remains(org: Organization, membership: Membership) -> None:
    if membership.role != Role.OWNER:
        return
    if not Membership.objects.filter(role=Role.OWNER).exclude(pk=membership.pk).exists():
        raise ValidationError(
            f"The last owner of {org.name} ({membership.user.email}) must stay an owner. "
            "Make another member an owner first.",
            code="last_owner",
        )


@org_bound
def membership_change_role(*, org: Organization, actor: Actor, membership: Membership, role: str) -> Membership:
    _require_known_role(role)
    with transaction.atomic():
        lock_org(org=org)
        acting_role = _acting_role(actor)
        membership = selectors.membership_by_pk(org=org, pk=membership.pk)  # fresh, under lock_org
        if membership.role == role:
            return membership
        _require_owner_for(acting_role, membership.role, role)
        _ensure_an_owner_remains(org, membership)
        previous, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        audit.record(org=org, actor=actor, action="member.role_changed", obj=membership,
                     detail={"from": previous, "to": role})
    return membership


def _check_removal(org: Organization, actor: Actor, membership: Membership) -> None:
    acting_role = _acting_role(actor)
    if membership.user_id != getattr(actor.user, "pk", None):  # one may leave (unless the last owner)
        _require_owner_for(acting_role, membership.role)
    _ensure_an_owner_remains(org, membership)


@org_bound
def membership_remove_refusal(*, org: Organization, actor: Actor, membership: Membership) -> str | None:
    """Why membership_remove would refuse, if it would: the console says so before asking to confirm."""
    try:
        _check_removal(org, actor, membership)
    except ValidationError as error:
        return " ".join(error.messages)
    except PermissionDenied as error:
        return str(error)
    return None


@org_bound
def membership_remove(*, org: Organization, actor: Actor, membership: Membership) -> None:
    """Remove a person from the org (never their account). Admins may remove themselves and other
    admins and members; only an owner removes an owner, and never the last one."""
    with transaction.atomic():
        lock_org(org=org)
        membership = selectors.membership_by_pk(org=org, pk=membership.pk)  # fresh, under lock_org
        _check_removal(org, actor, membership)
        audit.record(org=org, actor=actor, action="member.removed", obj=membership,
                     detail={"role": membership.role})
        membership.delete()


SETTINGS_FIELDS = ("name", "require_verified_domains", "username_must_equal_primary_email", "send_welcome_emails",
                   "require_mfa")
# What only staff set, from /admin/: limits the service puts on an org.
STAFF_SETTINGS_FIELDS = ("scim_requests_per_second",)


@org_bound
def organization_update_policy(*, org: Organization, actor: Actor, **changes) -> Organization:
    """Owners (and staff) set the org's name and policies (any of SETTINGS_FIELDS); admins only read them.
    Staff alone set STAFF_SETTINGS_FIELDS."""
    unknown = set(changes) - set(SETTINGS_FIELDS) - set(STAFF_SETTINGS_FIELDS if actor.is_staff else ())
    if unknown:
        raise TypeError(f"Not an organization setting: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)  # the lock_org row lock, and a fresh copy
        if _acting_role(actor) != Role.OWNER:
            raise PermissionDenied("Only an owner can change the organization's settings.")
        changed = []
        for field, value in changes.items():
            value = value.strip() if isinstance(value, str) else value
            if getattr(org, field) != value:
                setattr(org, field, value)
                changed.append(field)
        org.full_clean()
        if changed:
            org.save(update_fields=changed)
            audit.record(org=org, actor=actor, action="organization.settings_changed", obj=org,
                         detail={"fields": changed})
    return org


# --- Domains --------------------------------------------------------------------------------------

MAX_DOMAINS_PER_ORG = 100
# Deliberately names no org: which org holds a domain is that org's business (DESIGN.md invariant 1).
DOMAIN_TAKEN_MESSAGE = "{name} is already verified by another organization."
Status = Domain.Status


def _verified_elsewhere(org: Organization, name: str) -> bool:
    # A cross-org read that answers only yes or no, never which org.
    with all_orgs_scope():
        return Domain.objects.filter(name=name, status__in=Domain.VERIFIED_STATUSES).exclude(org=org).exists()


def _locked_domain(domain_id: int) -> Domain:
    domain = Domain.objects.select_for_update().filter(pk=domain_id).first()
    if domain is None:
        raise NotFound("No such domain.")
    return domain


@org_bound
def domain_validate_addition(*, org: Organization, actor: Actor, name: str) -> str:
    """Every check domain_add makes, writing nothing: the normalised name, or the refusal
    (ValidationError, PermissionDenied). The staff admin's form validates with it."""
    name = domain_checks.normalize_domain_name(name)
    domain_checks.validate_claimable_domain(name)
    _acting_role(actor)
    if Domain.objects.filter(name=name).exists():
        raise ValidationError(f"{name} is already one of {org.name}'s domains.", code="duplicate_domain")
    if Domain.objects.count() >= MAX_DOMAINS_PER_ORG:
        raise ValidationError(
            f"An organization can have at most {MAX_DOMAINS_PER_ORG} domains; remove one first.",
            code="too_many_domains",
        )
    if _verified_elsewhere(org, name):
        raise ValidationError(DOMAIN_TAKEN_MESSAGE.format(name=name), code="domain_taken")
    return name


@org_bound
def domain_add(*, org: Organization, actor: Actor, name: str) -> Domain:
    """Claim a domain for the org; it stays unverified until its DNS record or HTTPS file is found."""
    with transaction.atomic():
        lock_org(org=org)  # serialises the checks below with concurrent additions
        name = domain_validate_addition(org=org, actor=actor, name=name)
        domain = Domain(org=org, name=name, token=secrets.token_hex(16), added_by=actor.user)
        domain.full_clean()
        domain.save()
        audit.record(org=org, actor=actor, action="domain.added", obj=domain)
    return domain


@org_bound
def domain_remove(*, org: Organization, actor: Actor, domain: Domain) -> None:
    with transaction.atomic():
        _acting_role(actor)
        domain = _locked_domain(domain.pk)
        audit.record(org=org, actor=actor, action="domain.deleted", obj=domain, detail={"status": domain.status})
        domain.delete()


def _record_success(domain: Domain, method: str, now: datetime) -> bool:
    """Mark the domain verified; False when another org verified the name first."""
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
        return False
    return True


def _record_verified(org: Organization, actor: Actor, domain: Domain, method: str) -> None:
    audit.record(org=org, actor=actor, action="domain.verified", obj=domain, detail={"method": method})
    _domain_event(org, actor, "domain.verified", domain, method=method)


def _domain_event(org: Organization, actor: Actor, type: str, domain: Domain, **data) -> None:
    from events.services import event_record

    event_record(org=org, actor=actor, type=type, resource_type="Domain", resource_id=domain.public_id,
                 data={"name": domain.name, "status": domain.status, **data})


@org_bound
def domain_verify(
    *, org: Organization, actor: Actor, domain: Domain, method: str, now: datetime | None = None
) -> Domain:
    """"Verify now": look for the DNS record or HTTPS file and record what was found.

    A failed check never downgrades an already verified domain (the daily re-check, which tries
    both methods, does that); it only records the reason. Returns the domain; a success shows as
    domain.status verified and an empty last_failure_reason.
    """
    check = domain_checks.CHECKS.get(method)
    if check is None:
        raise ValidationError(f"Unknown verification method {method!r}.", code="invalid_method")
    _acting_role(actor)
    domain = selectors.domain_by_pk(org=org, pk=domain.pk)
    if _verified_elsewhere(org, domain.name):
        result = domain_checks.CheckResult(False, DOMAIN_TAKEN_MESSAGE.format(name=domain.name))
    else:
        # The network check runs outside any transaction: no lock is held while waiting on DNS.
        result = check(domain.name, domain.token)
    with transaction.atomic():
        domain = _locked_domain(domain.pk)
        domain.last_checked = now or timezone.now()
        if not result.passed:
            domain.last_failure_reason = result.reason
            domain.save(update_fields=["last_checked", "last_failure_reason"])
        elif _record_success(domain, method, domain.last_checked):
            _record_verified(org, actor, domain, method)
    return domain


@org_bound
def domain_reverify(
    *, org: Organization, actor: Actor, domain_id: int, now: datetime | None = None
) -> Domain | None:
    """Check both methods now: the daily re-check of verified domains, and staff's "Re-verify now".

    Either method passing verifies the domain. A failure makes a verified domain verified-uncertain;
    after REVERIFICATION_GRACE of failures it becomes unverified and the org's owners get an e-mail.
    An unverified domain only records why it failed. Returns None when the domain was removed.
    Status changes are audited; a domain that simply stays verified is not.
    """
    _acting_role(actor)
    now = now or timezone.now()
    try:
        domain = selectors.domain_by_pk(org=org, pk=domain_id)
    except NotFound:
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
    with transaction.atomic():
        try:
            domain = _locked_domain(domain_id)
        except NotFound:
            return None
        domain.last_checked = now
        if result.passed:
            was_verified = domain.status == Status.VERIFIED
            if _record_success(domain, method, now) and not was_verified:
                _record_verified(org, actor, domain, method)
            return domain
        domain.last_failure_reason = result.reason
        if domain.status == Status.VERIFIED:
            domain.status, domain.uncertain_since = Status.VERIFIED_UNCERTAIN, now
            audit.record(org=org, actor=actor, action="domain.verification_uncertain", obj=domain,
                         detail={"reason": result.reason})
        elif (deadline := domain.reverification_deadline()) is not None and now >= deadline:
            domain.status, domain.uncertain_since, domain.verified_by_method = Status.UNVERIFIED, None, ""
            audit.record(org=org, actor=actor, action="domain.verification_lost", obj=domain,
                         detail={"reason": result.reason})
            _domain_event(org, actor, "domain.verification_lost", domain, reason=result.reason)
            from .tasks import send_domain_lapsed_email

            enqueue_effect(send_domain_lapsed_email, domain_id=domain.pk, org_id=org.pk)
        domain.save()
    return domain


@org_bound
def domain_request_reverification(*, org: Organization, actor: Actor, domain: Domain) -> None:
    """Staff's "Re-verify now": recorded, then checked by a task once the request commits."""
    with transaction.atomic():
        _acting_role(actor)
        domain = selectors.domain_by_pk(org=org, pk=domain.pk)
        audit.record(org=org, actor=actor, action="domain.reverify_requested", obj=domain)
        from .tasks import reverify_domain

        enqueue_effect(reverify_domain, domain_id=domain.pk, org_id=org.pk)


def domain_claim_due_reverifications(*, now: datetime, interval: timedelta) -> list[tuple[int, int]]:
    """The hourly job's claim, across every org: verified domains last checked `interval` ago get
    last_checked = now (under SKIP LOCKED, so a doubled beat claims each once). Returns (domain id,
    org id) pairs. Bookkeeping only: it changes no status, so nothing is audited."""
    with transaction.atomic(), all_orgs_scope():
        due = selectors.domains_due_for_reverification(now=now, interval=interval)
        claimed = list(due.select_for_update(skip_locked=True).values_list("pk", "org_id"))
        Domain.objects.filter(pk__in=[domain_id for domain_id, _ in claimed]).update(last_checked=now)
    return claimed


@org_bound
def domain_mark_verified_for_demo(*, org: Organization, actor: Actor, name: str) -> Domain:
    """DEMO ONLY (seed_demo): a verified domain without any proof. Refused unless settings.DEBUG."""
    if not settings.DEBUG:
        raise PermissionDenied("Marking a domain verified without proof is only for the DEBUG demo.")
    name = domain_checks.normalize_domain_name(name)
    with transaction.atomic():
        domain = Domain.objects.filter(name=name).first() or Domain(org=org, name=name, token=secrets.token_hex(16))
        was_verified = domain.status == Status.VERIFIED
        domain.last_checked = timezone.now()
        if _record_success(domain, Domain.Method.DNS, domain.last_checked) and not was_verified:
            _record_verified(org, actor, domain, "demo")
    return domain
