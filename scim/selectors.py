"""Every read of the SCIM directory that the protocol, the console, the admin and tasks use.

Each selector is bound to the org it is given (@org_bound): its queries carry `org_id = <org>` in
their SQL whatever scope the caller is in. A missing row and another org's row are the same
tenants.errors.NotFound. Filters arrive as Q objects built by the protocol and are ANDed to the org
filter in one flat WHERE, so an OR in a filter stays inside org AND (filter); the protocol answers
multi-valued attributes with EXISTS, so no join ever repeats a row.

The console's users list is keyset-paged on lower(userName), which the (org, lower(user_name))
unique index serves: no COUNT(*) over the org and no deep OFFSET, so page 4,000 costs what page 1 does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Count, F, Func, Lookup, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.db.models.lookups import Exact, GreaterThanOrEqual, StartsWith

from tenants.errors import NotFound
from tenants.models import Organization
from tenants.prepared_queries import IsAnyOf, PreparedQuery
from tenants.scoping import org_bound

from .models import USER_ID_BUCKET_BITS, Group, GroupMembership, ProvisioningEvent, ScimUser, UserCount

PAGE_SIZE = 50
HISTORY_SIZE = 50
MEMBER_CHUNK = 2000


def _by_public_id(rows: QuerySet, public_id: str):
    return _found(rows.filter(public_id=public_id).first(), public_id)


def _found(row, public_id: str):
    if row is None:
        # The same words for another org's id and one that never existed (invariant 1).
        raise NotFound(f"Resource {public_id} not found.")
    return row


def _page_of(model, rows: Callable[[], QuerySet], *, condition: Q | None, ordering: list, start_index: int,
             count: int, total_of_all: Callable[[], int] | None = None,
             all_in_id_order: Callable[[int, int], tuple[int, list]] | None = None) -> tuple[int, list]:
    """One page of `rows()` (a queryset of `model`) matching `condition`, and how many match: an SQL COUNT
    (or `total_of_all()` without a condition) unless the page itself tells.

    In id order (the default) the OFFSET walks ids alone, an index-only scan of (org_id, id), and only
    the page's rows are read from the table: PostgreSQL never fetches, and throws away, the rows before it.
    `all_in_id_order(offset, count)`, when given, answers without a condition: (how many, the page).
    """
    matching = model.objects.all() if condition is None else model.objects.filter(condition)
    total = total_of_all if condition is None and total_of_all is not None else matching.count
    if count == 0:
        return total(), []
    offset = start_index - 1
    if ordering == ["id"] and condition is None and all_in_id_order is not None:
        return all_in_id_order(offset, count)
    if ordering == ["id"]:
        page_ids = matching.order_by("id").values("id")[offset:offset + count]
        page = list(rows().filter(pk__in=page_ids).order_by("id"))
    else:
        page = list((rows() if condition is None else rows().filter(condition)).order_by(*ordering)[offset:offset + count])
    # A page that ends short is the last one and says how many match, as long as it reached any: an eq
    # filter is answered without a COUNT.
    if 0 < len(page) < count or (offset == 0 and not page):
        return offset + len(page), page
    return total(), page


# --- users -----------------------------------------------------------------------------------------


# Every read, replace and PATCH of a user reads it like this: compiled once (issue 14).
_USER_WITH_EMAILS_AND_GROUPS = PreparedQuery(
    lambda public_id: ScimUser.objects.with_emails_and_groups().filter(public_id=public_id)[:1])


@org_bound
def scim_user_get(*, org: Organization, public_id: str) -> ScimUser:
    """The user with this id, with its e-mails and groups (one query)."""
    return _found(_USER_WITH_EMAILS_AND_GROUPS.first(public_id=public_id), public_id)


# Okta's and Entra's lookups before each create (scim.protocol.filters.one_comparison), compiled once.
_USERS_EQUAL = {
    "user_name": PreparedQuery(lambda value: ScimUser.objects.with_emails_and_groups().filter(
        Exact(Lower("user_name"), value))),
    "external_id": PreparedQuery(lambda value: ScimUser.objects.with_emails_and_groups().filter(external_id=value)),
}


@org_bound
def scim_users_equal(*, org: Organization, field: str, value: str) -> list[ScimUser]:
    """The users whose lower(userName) or externalId (`field`) equals `value`, with e-mails and groups:
    at most one, by the org's unique constraints."""
    return _USERS_EQUAL[field].all(value=value)


def _starting_with(prefix: str) -> QuerySet:
    # The pattern is escaped in SQL, so the prefix stays one parameter (a PreparedQuery's); PostgreSQL folds
    # it to a constant and serves it from the (org_id, lower(user_name) text_pattern_ops) index.
    return ScimUser.objects.filter(StartsWith(Lower("user_name"), Value(prefix)))


# Queries that write their page size into the SQL (a LIMIT): compiled once per kind of query and page size.
_BY_PAGE_SIZE: dict[tuple[str, int], PreparedQuery] = {}


def _prepared_for_page_size(kind: str, count: int, build: Callable[..., QuerySet], **options) -> PreparedQuery:
    """The PreparedQuery of `build`, a `kind` of query for pages of `count`."""
    if (kind, count) not in _BY_PAGE_SIZE:
        _BY_PAGE_SIZE[kind, count] = PreparedQuery(build, **options)
    return _BY_PAGE_SIZE[kind, count]


_USERS_WITH_IDS = PreparedQuery(lambda ids: ScimUser.objects.with_emails_and_groups().filter(
    IsAnyOf(F("id"), Value(ids))).order_by("id"))


def _users_with_ids(ids: list[int]) -> list[ScimUser]:
    """The users with these ids, with e-mails and groups, in id order."""
    return _USERS_WITH_IDS.all(ids=ids) if ids else []


@org_bound
def scim_users_starting_with(*, org: Organization, prefix: str, count: int) -> tuple[int, list[ScimUser]]:
    """(how many users' lower(userName) starts with `prefix`, the first `count` of them by id with e-mails
    and groups), in two statements. The first names the page's ids and counts the matches, planned for
    this prefix: a LIKE pattern serves the prefix index only as a constant. The second reads those users,
    planned once per connection: planning it with the LIKE inside took 0.5 ms, more than the whole first
    statement (issue 14). A user deleted in between is missing from the page, as from the next read."""
    # Each row: an id and the number of all matches (counted once, by an InitPlan).
    ids_and_matches = _prepared_for_page_size("ids starting with", count, lambda value: _starting_with(value).order_by(
        "id").annotate(matches=Subquery(_starting_with(value).order_by().values(n=Func("id", function="COUNT"))),
    ).values_list("id", "matches")[:count], planned_once=False)
    rows = ids_and_matches.all(value=prefix)
    return (rows[0][1] if rows else 0), _users_with_ids([user_id for user_id, _matches in rows])


_USERS_BY_ID_BUCKET = PreparedQuery(lambda: UserCount.objects.values("id_bucket").annotate(users=Sum("delta"))
                                   .order_by("id_bucket").values_list("id_bucket", "users"))


def _users_in_id_order(offset: int, count: int) -> tuple[int, list[ScimUser]]:
    """(how many users the org has, a page of all of them in id order): an IdP's import.

    The org's user counts by bucket of ids say how many users precede each bucket, so the page starts at
    the first id of the bucket that holds position `offset`, and the OFFSET walks that bucket's ids, not
    every id before it (at startIndex 100,000 of 200,000 interleaved users: at most ~1,650 index entries
    instead of 100,000). The counts are as exact as the count itself: the triggers append them in each write's
    own transaction."""
    buckets = _USERS_BY_ID_BUCKET.all()
    total, before = sum(users for _bucket, users in buckets), 0
    for bucket, users in buckets:
        if before + users > offset:
            # Value(start): compiled with a placeholder that an id field would refuse to convert.
            page = _prepared_for_page_size("all in id order", count, lambda start, offset: (
                ScimUser.objects.with_emails_and_groups().filter(pk__in=ScimUser.objects.filter(
                    GreaterThanOrEqual(F("id"), Value(start))).order_by("id").values("id")[offset:offset + count])
                .order_by("id")), offset="offset")
            return total, page.all(start=bucket << USER_ID_BUCKET_BITS, offset=offset - before)
        before += users
    return total, []


@org_bound
def scim_users_page(*, org: Organization, condition: Q | None, ordering: list, start_index: int, count: int
                    ) -> tuple[int, list[ScimUser]]:
    """(how many users match, one page of them with e-mails and groups): one query, and a COUNT unless
    the page is the last."""
    return _page_of(ScimUser, ScimUser.objects.with_emails_and_groups, condition=condition, ordering=ordering,
                    start_index=start_index, count=count, total_of_all=lambda: scim_user_count(org=org),
                    all_in_id_order=_users_in_id_order)


# Every unfiltered list asks it: compiled once (an aggregate() took ~1 ms to compile, issue 14).
_USER_COUNT = PreparedQuery(lambda: UserCount.objects.values("org_id").annotate(total=Sum("delta")).values_list("total"))


@org_bound
def scim_user_count(*, org: Organization) -> int:
    """How many users the org has, from the trigger-kept deltas (UserCount): no COUNT over its users."""
    rows = _USER_COUNT.all()
    return rows[0][0] if rows else 0


@org_bound
def scim_user_welcome_address(*, org: Organization, user_pk: int) -> tuple[ScimUser, str | None]:
    """The user a welcome e-mail greets and the address it goes to (the primary e-mail, or the only one)."""
    user = ScimUser.objects.prefetch_related("emails").filter(pk=user_pk).first()
    if user is None:
        raise NotFound(f"No SCIM user {user_pk}.")
    emails = list(user.emails.all())
    return user, next((e.value for e in emails if e.primary), emails[0].value if emails else None)


@org_bound
def directory_users_page(*, org: Organization, query: str = "", active: str = "", after: str = "",
                         size: int | None = None) -> tuple[list[ScimUser], str]:
    """Up to `size` users after the `after` key, and the key of the next page ("" on the last page).

    `active` is "yes", "no" or "" (all). A user whose `active` was removed counts as active, as in SCIM.
    """
    size = size or PAGE_SIZE
    users = ScimUser.objects.annotate(sort_key=Lower("user_name"))
    if query:
        users = users.filter(pk__in=ScimUser.objects.filter(
            Q(user_name__icontains=query) | Q(display_name__icontains=query) | Q(given_name__icontains=query)
            | Q(family_name__icontains=query) | Q(emails__value__icontains=query) | Q(external_id=query)
        ).values("pk"))
    if active == "yes":
        users = users.exclude(active=False)
    elif active == "no":
        users = users.filter(active=False)
    if after:
        users = users.filter(sort_key__gt=after)
    rows = list(users.prefetch_related("emails").order_by("sort_key")[:size + 1])
    next_key = rows[size - 1].sort_key if len(rows) > size else ""
    return rows[:size], next_key


@org_bound
def directory_user(*, org: Organization, public_id: str) -> ScimUser:
    """The console's user page: the user with its e-mails."""
    return _by_public_id(ScimUser.objects.prefetch_related("emails"), public_id)


@org_bound
def directory_counts(*, org: Organization) -> dict[str, int]:
    """Active and deactivated users (one aggregate query) and groups. A user without an `active`
    attribute counts as active, as SCIM's default is."""
    counts = ScimUser.objects.aggregate(deactivated=Count("pk", filter=Q(active=False)), total=Count("pk"))
    return {"users_active": counts["total"] - counts["deactivated"], "users_deactivated": counts["deactivated"],
            "groups": Group.objects.count()}


# --- groups ----------------------------------------------------------------------------------------


@org_bound
def group_get(*, org: Organization, public_id: str) -> Group:
    """The group with this id (its members are read separately: there may be 50,000)."""
    return _by_public_id(Group.objects.all(), public_id)


@org_bound
def groups_page(*, org: Organization, condition: Q | None, ordering: list, start_index: int, count: int
                ) -> tuple[int, list[Group]]:
    return _page_of(Group, Group.objects.all, condition=condition, ordering=ordering, start_index=start_index,
                    count=count)


def _memberships(of_groups: Lookup) -> QuerySet:
    """Memberships `of_groups` (a condition on group_id) by group and user id: the (org, group, user) unique
    index gives them in that order, and the users are probed in id order, neighbours in their index (a
    50,000-member group: ~20% less of PostgreSQL's time than in the order members joined)."""
    return GroupMembership.objects.filter(of_groups).order_by("group_id", "user_id")


# A member's display is the user's displayName, else its userName (chosen in SQL: two columns cross the wire,
# not three). Compiled once, read whole (fetchall, not the ORM's 100 rows a fetch).
_MEMBER_DISPLAY = Coalesce(NullIf("user__display_name", Value("")), "user__user_name")
_MEMBERS_OF_GROUP = PreparedQuery(lambda group_pk: _memberships(Exact(F("group_id"), Value(group_pk))).values_list(
    "user__public_id", _MEMBER_DISPLAY))
_MEMBERS_OF_GROUPS = PreparedQuery(lambda group_pks: _memberships(IsAnyOf(F("group_id"), Value(group_pks)))
                                   .values_list("group_id", "user__public_id", _MEMBER_DISPLAY))


def _member_rows(members: PreparedQuery, **group) -> list[tuple]:
    """`members` of `group`, joined by a nested loop, one users index probe per membership, so the cost
    follows the groups' size. Left to its cost model, PostgreSQL hashes or merges the whole users table,
    every org's, for a big group: 170 ms for 50,000 members at 1,000,000 users against 70 ms
    (bench/README.md). The other joins are switched off for this one statement's transaction (and so for
    the plan a prepared statement keeps)."""
    if connection.vendor != "postgresql":
        return members.all(**group)
    inside_a_transaction = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        rows = members.all(**group)
        if inside_a_transaction:  # the caller's transaction goes on: its later queries plan freely
            cursor.execute("RESET enable_hashjoin; RESET enable_mergejoin")
    return rows


@org_bound
def group_member_chunks(*, org: Organization, group: Group) -> Iterator[list[tuple[str, str]]]:
    """(user id, display) of every member, MEMBER_CHUNK at a time: a big group's response is written in
    a few large pieces, never one per member. One query, read whole: one snapshot of the membership, and
    no server-side cursor (PgBouncer's transaction pooling cannot keep one between statements); the
    server connection is free again once the rows are in, before the first piece is written."""
    rows = _member_rows(_MEMBERS_OF_GROUP, group_pk=group.pk)
    for start in range(0, len(rows), MEMBER_CHUNK):
        yield rows[start:start + MEMBER_CHUNK]


@org_bound
def members_by_group(*, org: Organization, group_pks: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """The members of several groups (a page of a list) in one query."""
    members = defaultdict(list)
    for group_id, public_id, display in _member_rows(_MEMBERS_OF_GROUPS, group_pks=list(group_pks)):
        members[group_id].append((public_id, display))
    return members


@org_bound
def directory_groups(*, org: Organization, query: str | None = None) -> QuerySet[Group]:
    """The console's list: groups with their member counts, by name."""
    groups = Group.objects.annotate(member_count=Count("memberships")).order_by("display_name", "id")
    if query:
        groups = groups.filter(Q(display_name__icontains=query) | Q(external_id__icontains=query))
    return groups


@org_bound
def directory_group(*, org: Organization, public_id: str) -> Group:
    """The management API's group: with its member count (its members are not loaded)."""
    return _by_public_id(Group.objects.annotate(member_count=Count("memberships")), public_id)


@org_bound
def group_members(*, org: Organization, group: Group) -> QuerySet[GroupMembership]:
    """The console's group page: memberships with their users, by userName."""
    return GroupMembership.objects.filter(group_id=group.pk).select_related("user").order_by("user__user_name", "id")


# --- the provisioning log --------------------------------------------------------------------------


@org_bound
def provisioning_events(*, org: Organization, status: str | None = None, method: str | None = None,
                        query: str | None = None, idp: str | None = None, user: str | None = None,
                        group: str | None = None) -> QuerySet[ProvisioningEvent]:
    exact = {"idp": idp, "user_public_id": user, "group_public_id": group}
    events = ProvisioningEvent.objects.order_by("-created", "-id").filter(
        **{field: value for field, value in exact.items() if value})
    if status == "errors":
        events = events.filter(status__gte=400)
    elif status == "ok":
        events = events.filter(status__lt=400)
    if method:
        events = events.filter(method=method.upper())
    if query:
        events = events.filter(Q(path__icontains=query) | Q(user_public_id=query) | Q(credential_name__icontains=query))
    return events


@org_bound
def user_provisioning_history(*, org: Organization, public_id: str, size: int = HISTORY_SIZE
                              ) -> list[ProvisioningEvent]:
    return list(ProvisioningEvent.objects.filter(user_public_id=public_id).order_by("-created", "-id")[:size])


@org_bound
def provisioning_event_names(*, org: Organization, events) -> dict[str, str]:
    """The shown names of the users and groups a page of log rows names, by public id: two queries."""
    user_ids = {event.user_public_id for event in events if event.user_public_id}
    group_ids = {event.group_public_id for event in events if event.group_public_id}
    names = {user.public_id: user.shown_name for user in ScimUser.objects.filter(public_id__in=user_ids).only(
        "public_id", "user_name", "display_name", "name_formatted", "given_name", "middle_name", "family_name")}
    names.update(Group.objects.filter(public_id__in=group_ids).values_list("public_id", "display_name"))
    return names
