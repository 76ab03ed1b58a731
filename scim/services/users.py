"""Every write to the directory's users: create, replace (PUT), update (PATCH), delete, deactivate.

Each service is bound to its org and runs in one transaction. A write to an existing user loads and
locks its row itself, re-checks If-Match under that lock and raises `version` by exactly one in the
database, so concurrent writers never lose an acknowledged write. It writes only what changed: a
PATCH of `active` leaves the e-mails alone. The org's rules (verified domains, userName = primary
e-mail, one primary e-mail) are checked here so every caller gets them. Errors are domain errors
(tenants.errors, ValidationError). Deactivations and reactivations are audited with the actor that
caused them (the IdP's credential, or staff); the provisioning log covers every other SCIM write.
Every write emits its directory event in its transaction (scim.directory_events).

Uniqueness (userName in any case, externalId) is the database's constraints' check alone, named in
the Conflict (scim.models.UniqueConflicts). A service's transaction takes no savepoint when nested
(savepoint=False): an error rolls back to its caller's savepoint, or the whole transaction, and no
caller catches a service's error and goes on in the same transaction (a SCIM request, a Bulk
operation and a staff action each end with it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tenants import audit
from tenants.audit import Actor
from tenants.effects import enqueue_effect
from tenants.errors import Conflict
from tenants.models import Organization
from tenants.scoping import org_bound
from tenants.selectors import domains_blocking_provisioning

from .. import directory_events
from ..models import Group, GroupMembership, LockingRead, ScimUser, ScimUserEmail, UniqueConflicts, UserCount
from ..values import UserValues

# Fields full_clean leaves to others: the org is the service's, public_id is made on save, and
# `active` may be None (removed by a PATCH) although the field is not blank=True.
_NOT_CLEANED = ["org", "public_id", "active"]


def _primary_email(values: UserValues) -> str | None:
    primaries = [email["value"] for email in values.emails if email.get("primary")]
    if primaries:
        return primaries[0]
    return values.emails[0]["value"] if len(values.emails) == 1 else None


def _check_org_rules(org: Organization, values: UserValues) -> None:
    for email in values.emails:
        local, at, domain = email["value"].rpartition("@")
        if not at or not local or not domain:
            raise ValidationError(f"{email['value']} is not an e-mail address.", code="invalid")
    if len(values.emails) > 1 and sum(1 for email in values.emails if email.get("primary")) != 1:
        raise ValidationError("With more than one e-mail, exactly one must be primary.", code="invalid")
    user_name = values.fields["user_name"]
    if org.username_must_equal_primary_email:
        primary = _primary_email(values)
        if primary is None or primary.lower() != user_name.lower():
            raise ValidationError("This organization requires userName to equal the primary e-mail.", code="invalid")
    domains = {email["value"].rpartition("@")[2].lower() for email in values.emails}
    if "@" in user_name:
        domains.add(user_name.rpartition("@")[2].lower())
    blocked = domains_blocking_provisioning(org=org, domains=sorted(domains))
    if blocked:
        raise ValidationError(
            f"The domain {', '.join(blocked)} is not verified by this organization; verify it in the console "
            "before provisioning users with it.", code="unverified_domain",
        )


def _unique_conflicts(user: ScimUser) -> UniqueConflicts:
    """What a write of `user` answers when another user of the org holds its userName or externalId."""
    return UniqueConflicts({
        "scim_user_org_username_ci_unique": f"A user with userName {user.user_name} already exists.",
        "scim_user_org_external_id_unique": f"A user with externalId {user.external_id} already exists.",
    }, otherwise="A user with this userName or externalId already exists.")


def _email_rows(user: ScimUser, emails: list[dict]) -> list[ScimUserEmail]:
    rows = [
        ScimUserEmail(org_id=user.org_id, user=user, value=email["value"], type=email.get("type", ""),
                      display=email.get("display", ""), primary=bool(email.get("primary")))
        for email in emails
    ]
    for row in rows:
        row.full_clean(exclude=["org", "user"], validate_unique=False, validate_constraints=False)
    return rows


def _same_emails(current: list[ScimUserEmail], wanted: list[ScimUserEmail]) -> bool:
    def key(email):
        return email.value, email.type, email.primary, email.display

    return [key(email) for email in current] == [key(email) for email in wanted]


# The user with its e-mails and groups, its row locked and If-Match checked under the lock. FOR NO KEY
# UPDATE: a concurrent group write that references this user (a foreign-key check, FOR KEY SHARE) is not
# blocked, so the two never wait for each other.
_locked_user = LockingRead(lambda: ScimUser.objects.with_emails_and_groups(), "user", no_key=True)


def _with_email_rows(user: ScimUser, emails: list[ScimUserEmail]) -> ScimUser:
    """The user's e-mails as with_emails_and_groups() would read them, so rendering it costs no query."""
    user.email_rows = [[email.pk, email.value, email.display, email.type, email.primary] for email in emails]
    return user


def _write(org: Organization, actor: Actor, user: ScimUser, values: UserValues) -> ScimUser:
    """Make the locked `user` exactly `values`, writing only the columns and e-mails that differ, and
    emit user.updated / user.deactivated / user.reactivated for what changed.

    The row returned carries the new fields, version and e-mails, and its groups as read under the
    lock: it renders without a query.
    """
    before = directory_events.render("User", user)
    _check_org_rules(org, values)
    changed = {name: value for name, value in values.fields.items() if getattr(user, name) != value}
    was_deactivated = user.active is False
    for name, value in changed.items():
        setattr(user, name, value)
    user.full_clean(exclude=_NOT_CLEANED, validate_unique=False, validate_constraints=False)
    emails = _email_rows(user, values.emails)
    ScimUser.objects.write_next_version(user, changed, _unique_conflicts(user))
    if not _same_emails(list(user.emails.all()), emails):
        ScimUserEmail.objects.filter(user_id=user.pk).delete()
        ScimUserEmail.objects.bulk_create(emails)
        _with_email_rows(user, emails)
    transition = _follow_active(org, actor, user, was_deactivated=was_deactivated,
                                primary_email=next((e.value for e in emails if e.primary), None))
    directory_events.resource_updated(org=org, actor=actor, resource_type="User", row=user, before=before,
                                      transition=transition)
    return user


def _follow_active(org: Organization, actor: Actor, user: ScimUser, *, was_deactivated: bool,
                   primary_email: str | None) -> str | None:
    """When `active` turned false (or back), the person's access follows, and the audit log says who did it.
    Returns what happened: "deactivated", "reactivated" or None."""
    deactivated = user.active is False
    if deactivated == was_deactivated:
        return None
    _sync_account_access(org, user, primary_email)
    transition = "deactivated" if deactivated else "reactivated"
    audit.record(org=org, actor=actor, action=f"scim_user.{transition}", obj=user, detail={"userName": user.user_name})
    return transition


def _sync_account_access(org: Organization, user: ScimUser, primary_email: str | None) -> int:
    """Make the membership in this org of the person this SCIM user is follow its `active` flag.

    The person is the accounts.User, a member of this org, whose e-mail equals the SCIM user's
    userName or primary e-mail. Deactivation suspends that membership only (Membership.
    suspended_by_idp: no console, no consent, no auth-code token for this org from the next request)
    and revokes the OAuth tokens this org's applications issued to the account (access tokens
    deleted, refresh tokens revoked). Reactivation clears that flag and nothing else. The global
    account (is_active, staff's decision), its other memberships and tokens other orgs issued are
    never touched: an org's IdP reaches no further than its org (DESIGN.md invariant 9).
    Returns how many memberships were found.
    """
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model

    from tenants.models import Membership

    addresses = {user.user_name.lower()} | ({primary_email.lower()} if primary_email else set())
    # The membership manager is scoped: this reads and writes this org's rows only.
    memberships = Membership.objects.filter(user__email__in=addresses)
    account_ids = list(memberships.values_list("user_id", flat=True))
    if not account_ids:
        return 0
    deactivated = user.active is False
    memberships.update(suspended_by_idp=deactivated)
    if deactivated:
        get_refresh_token_model().objects.filter(
            user_id__in=account_ids, application__org=org, revoked__isnull=True).update(revoked=timezone.now())
        get_access_token_model().objects.filter(user_id__in=account_ids, application__org=org).delete()
    return len(account_ids)


def _leave_groups(user: ScimUser) -> list[str]:
    """A deleted user leaves every group; those groups' versions rise by one. Returns their ids."""
    group_ids = GroupMembership.objects.filter(user_id=user.pk).values("group_id")
    left = list(Group.objects.filter(pk__in=group_ids).values_list("public_id", flat=True))
    if left:
        Group.objects.filter(pk__in=group_ids).update(version=F("version") + 1, last_modified=timezone.now())
        GroupMembership.objects.filter(user_id=user.pk).delete()
    return left


@org_bound
def scim_user_create(*, org: Organization, actor: Actor, values: UserValues) -> ScimUser:
    """Create a user from an IdP. Okta's password never reaches here (the protocol drops it)."""
    with transaction.atomic(savepoint=False):
        _check_org_rules(org, values)
        user = ScimUser(org=org, **values.fields)
        user.full_clean(exclude=_NOT_CLEANED, validate_unique=False, validate_constraints=False)
        emails = _email_rows(user, values.emails)
        ScimUser.objects.insert_new_with_emails(user, emails, _unique_conflicts(user))
        if org.send_welcome_emails and emails:
            from ..tasks import send_welcome_email

            enqueue_effect(send_welcome_email, user_id=user.pk, org_id=org.pk)
        # A user created inactive: the member with that e-mail is suspended here, as on deactivation.
        _follow_active(org, actor, user, was_deactivated=False,
                       primary_email=next((e.value for e in emails if e.primary), None))
        user.group_rows = []
        directory_events.resource_created(org=org, actor=actor, resource_type="User",
                                          row=_with_email_rows(user, emails))
    return user


@org_bound
def scim_user_replace(*, org: Organization, actor: Actor, public_id: str, values: UserValues,
                      if_match: str | None = None) -> ScimUser:
    """PUT: the user becomes exactly `values`; a change of `active` takes effect (and is audited)."""
    with transaction.atomic(savepoint=False):
        return _write(org, actor, _locked_user(public_id, if_match), values)


@org_bound
def scim_user_update(*, org: Organization, actor: Actor, public_id: str,
                     change: Callable[[ScimUser], UserValues], if_match: str | None = None) -> ScimUser:
    """PATCH: `change` computes the new values from the locked row (its e-mails and groups prefetched).

    The protocol passes a function that applies the PATCH operations to that row's SCIM form, so the
    patch applies to the state this transaction holds, all or nothing: if `change` raises, nothing
    is written.
    """
    with transaction.atomic(savepoint=False):
        user = _locked_user(public_id, if_match)
        return _write(org, actor, user, change(user))


@org_bound
def scim_user_delete(*, org: Organization, actor: Actor, public_id: str, if_match: str | None = None) -> None:
    """Delete the user; the groups it was in lose it and change version."""
    with transaction.atomic(savepoint=False):
        user = _locked_user(public_id, if_match)
        left = _leave_groups(user)
        ScimUserEmail.objects.filter(user_id=user.pk).delete()
        user.delete()
        directory_events.resource_deleted(org=org, actor=actor, resource_type="User", public_id=public_id)
        for group_id in left:  # each group it was in says so, as a member PATCH would
            directory_events.group_members_changed(org=org, actor=actor, group_id=group_id, added=(),
                                                   removed=[public_id])


@org_bound
def scim_user_deactivate(*, org: Organization, actor: Actor, public_id: str) -> ScimUser:
    """Set active=false as the IdP's PATCH would (the person's membership in this org is suspended at
    once), audited; no-op if already so. For staff: the IdP may reactivate the user on its next sync."""
    with transaction.atomic(savepoint=False):
        user = _locked_user(public_id, if_match=None)
        if user.active is False:
            return user
        before = directory_events.render("User", user)
        ScimUser.objects.write_next_version(user, {"active": False}, _unique_conflicts(user))
        _follow_active(org, actor, user, was_deactivated=False,
                       primary_email=next((e.value for e in user.emails.all() if e.primary), None))
        directory_events.resource_updated(org=org, actor=actor, resource_type="User", row=user, before=before,
                                          transition="deactivated")
    return user


@org_bound
def user_count_compact(*, org: Organization) -> None:
    """Fold the org's user-count deltas into one row per bucket of ids (none for a bucket that sums to
    zero). Bookkeeping, not a change anyone made: no actor, no audit. Only the rows this transaction
    locked are folded; deltas committed meanwhile stay."""
    with transaction.atomic(savepoint=False):
        rows = list(UserCount.objects.select_for_update().values_list("pk", "id_bucket", "delta"))
        by_bucket = defaultdict(int)
        for _pk, bucket, delta in rows:
            by_bucket[bucket] += delta
        folded = [UserCount(org=org, id_bucket=bucket, delta=delta) for bucket, delta in by_bucket.items() if delta]
        if len(folded) < len(rows):
            UserCount.objects.filter(pk__in=[pk for pk, _bucket, _delta in rows]).delete()
            UserCount.objects.bulk_create(folded)
