"""Reads of orgs, memberships, domains and the audit log for views, admin, tasks and other apps.

Every selector that reads an org's rows is @org_bound: it sees only the org it is given, whatever
scope its caller is in. The few that span orgs on purpose say why (and are declared in
tests/tenants/test_org_binding.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User

from .domain_checks import normalize_domain_name
from .errors import NotFound
from .models import AuditEvent, Domain, Invitation, Membership, Organization
from .scoping import TenantManager, all_orgs_scope, org_bound


def memberships_of_user(*, user: User, include_suspended: bool = False) -> QuerySet[Membership]:
    """Every org the user belongs to: the console's org picker runs before any org is in scope, so
    this one read spans orgs, and only ever for the signed-in user's own rows. A membership the
    org's IdP suspended gives no access, so it is left out unless asked for (the sign-in audit)."""
    manager: TenantManager = Membership.objects
    memberships = manager.unscoped_for_credential_lookup().filter(user=user)
    if not include_suspended:
        memberships = memberships.filter(suspended_by_idp=False)
    return memberships.select_related("org").order_by("org__name")


def orgs_only_owned_by(*, user: User) -> list[Organization]:
    """The orgs whose only owner is this person: deleting their account would leave them ownerless.
    Reads across orgs, for this one person's own memberships (the staff admin asks before a delete)."""
    with all_orgs_scope():
        owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).values("org_id")
        co_owned = Membership.objects.filter(org_id__in=owned, role=Membership.Role.OWNER).exclude(user=user)
        return list(Organization.objects.filter(pk__in=owned).exclude(pk__in=co_owned.values("org_id"))
                    .order_by("name"))


def console_membership(*, user: User, org_public_id: str | None) -> Membership | None:
    """The membership the console acts through: the chosen org, or the only one the user has
    (never one the org's IdP suspended: its console is refused from the next request on)."""
    memberships = memberships_of_user(user=user)
    if org_public_id:
        return memberships.filter(org__public_id=org_public_id).first()
    only_two = list(memberships[:2])
    return only_two[0] if len(only_two) == 1 else None


def open_invitations_of_user(*, user: User) -> QuerySet[Invitation]:
    """The pending, unexpired invitations to the signed-in person's e-mail, across orgs (their own
    rows only): "Your invitations" runs before any org is chosen."""
    manager: TenantManager = Invitation.objects
    return (manager.unscoped_for_credential_lookup()
            .filter(email=user.email, status=Invitation.Status.PENDING, expires__gt=timezone.now())
            .select_related("org", "invited_by").order_by("org__name"))


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation a link's token names (any org: the link is the credential), or None."""
    from .invitations import hash_invitation_token

    manager: TenantManager = Invitation.objects
    return (manager.unscoped_for_credential_lookup().select_related("org")
            .filter(token_hash=hash_invitation_token(token)).first()) if token else None


@org_bound
def org_pending_invitations(*, org: Organization) -> QuerySet[Invitation]:
    """Pending invitations, expired ones included (an admin resends or revokes them)."""
    return Invitation.objects.filter(status=Invitation.Status.PENDING).select_related("invited_by").order_by("-created")


@org_bound
def invitation_by_public_id(*, org: Organization, public_id: str) -> Invitation:
    return _the_one(Invitation.objects.select_related("org").filter(public_id=public_id), "invitation")


@org_bound
def invitation_by_pk(*, org: Organization, pk: int) -> Invitation:
    return _the_one(Invitation.objects.select_related("org", "invited_by").filter(pk=pk), "invitation")


@org_bound
def org_members(*, org: Organization) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("created")


@org_bound
def org_administrators(*, org: Organization) -> QuerySet[Membership]:
    return org_members(org=org).filter(role__in=[Membership.Role.OWNER, Membership.Role.ADMIN])


@org_bound
def org_owner_emails(*, org: Organization) -> list[str]:
    return list(org_members(org=org).filter(role=Membership.Role.OWNER).values_list("user__email", flat=True))


def _the_one(rows: QuerySet, what: str):
    """The row `rows` selects, or NotFound: another org's row reads exactly like one that never existed."""
    row = rows.first()
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


@org_bound
def membership_by_public_id(*, org: Organization, public_id: str) -> Membership:
    return _the_one(org_members(org=org).filter(public_id=public_id), "member")


@org_bound
def membership_by_pk(*, org: Organization, pk: int) -> Membership:
    """For tasks and services, which carry ids: the membership with its person and inviter."""
    return _the_one(Membership.objects.select_related("user", "invited_by").filter(pk=pk), "member")


@org_bound
def org_domains(*, org: Organization) -> QuerySet[Domain]:
    return Domain.objects.order_by("name")


@org_bound
def domain_by_public_id(*, org: Organization, public_id: str) -> Domain:
    return _the_one(Domain.objects.filter(public_id=public_id), "domain")


@org_bound
def domain_by_pk(*, org: Organization, pk: int) -> Domain:
    return _the_one(Domain.objects.filter(pk=pk), "domain")


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


# --- The audit log -------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


@org_bound
def audit_events(
    *, org: Organization, actor_label: str = "", actor_kind: str = "", action: str = ""
) -> QuerySet[AuditEvent]:
    """The org's audit log, newest first; `actor_label` (an e-mail or credential), `actor_kind`
    (member, staff, credential, system) and `action` narrow it."""
    events = AuditEvent.objects.order_by("-created", "-id")
    if actor_label:
        events = events.filter(actor_label=actor_label)
    if actor_kind:
        events = events.filter(actor_kind=actor_kind)
    if action:
        events = events.filter(action=action)
    return events


@dataclass(frozen=True)
class AuditActor:
    kind: str  # tenants.audit.ActorKind
    label: str

    @property
    def kind_words(self) -> str:
        return AuditEvent(actor_kind=self.kind).get_actor_kind_display()


@org_bound
def audit_actors(*, org: Organization) -> list[AuditActor]:
    """Everyone who appears in the org's audit log, by label: what the log's actor filter offers."""
    pairs = AuditEvent.objects.order_by().values_list("actor_kind", "actor_label").distinct()
    return [AuditActor(kind, label) for kind, label in sorted(pairs, key=lambda pair: (pair[1].lower(), pair[0]))]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor(event: AuditEvent) -> str:
    # Whole microseconds, so the cursor names the row's timestamp exactly (a float would round).
    return f"{(event.created - _EPOCH) // timedelta(microseconds=1)}-{event.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    micros, _, pk = cursor.partition("-")
    if not (micros.isdigit() and pk.isdigit()):
        return None
    return _EPOCH + timedelta(microseconds=int(micros)), int(pk)


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log and the cursors of its neighbours (None at either end)."""

    events: list[AuditEvent]
    older: str | None
    newer: str | None


@org_bound
def audit_log_page(
    *, org: Organization, actor_label: str = "", actor_kind: str = "", action: str = "", before: str = "",
    after: str = "", size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """A page of the audit log, newest first, paged by keyset on (created, id): the page after a
    million rows costs what the first one does. `before` pages to older rows, `after` to newer ones;
    an unreadable cursor shows the newest page."""
    events = audit_events(org=org, actor_label=actor_label, actor_kind=actor_kind, action=action)
    if (position := _parse_cursor(after)) is not None:
        created, pk = position
        newer = events.filter(Q(created__gt=created) | Q(created=created, id__gt=pk))
        rows = list(newer.order_by("created", "id")[: size + 1])
        has_newer, rows = len(rows) > size, rows[:size][::-1]
        has_older = bool(rows)
    else:
        if (position := _parse_cursor(before)) is not None:
            created, pk = position
            events = events.filter(Q(created__lt=created) | Q(created=created, id__lt=pk))
        rows = list(events[: size + 1])
        has_older, rows = len(rows) > size, rows[:size]
        has_newer = position is not None and bool(rows)
    return AuditPage(
        events=rows,
        older=_cursor(rows[-1]) if has_older else None,
        newer=_cursor(rows[0]) if has_newer else None,
    )
