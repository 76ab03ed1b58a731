"""Every write to the org's groups. Membership writes are set operations whose cost is O(k) in the
k member ids a request names, whatever the group's size (DESIGN.md invariant 5):

- the k SCIM ids resolve to user pks in one org-scoped query; an id that isn't a user of this org
  (another org's, or none at all) is a ValidationError with the same words, and nothing is written;
- add is one INSERT ... ON CONFLICT DO NOTHING, remove one DELETE ... WHERE user_id IN (...);
- every write to a group first locks its row (SELECT ... FOR UPDATE), re-checks If-Match under
  that lock and raises the version by exactly one, so concurrent PATCHes of one group are
  serialised and all land (the union), and a stale If-Match is refused.
- every write emits its directory events (scim.directory_events); member changes are one event
  per request with the ids, net, known from the id-resolving query (no extra query per step).

Uniqueness and transactions as for users (scim.services.users): the constraints check, no savepoints.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.lookups import Exact

from tenants.audit import Actor
from tenants.models import Organization
from tenants.prepared_queries import IsAnyOf, PreparedQuery
from tenants.scoping import org_bound

from .. import directory_events
from ..models import Group, GroupMembership, LockingRead, ScimUser, UniqueConflicts
from ..values import GroupValues, MemberStep


_locked_group = LockingRead(lambda: Group.objects.all(), "group")


# A membership write's users by SCIM id (with, for a group's PATCH, whether each is a member now), and its
# remove step: compiled once (issue 14: compiling them took ~1 ms of a member PATCH's ~5).
def _users_with_public_ids(public_ids):
    return ScimUser.objects.filter(IsAnyOf(F("public_id"), Value(public_ids)))


_USER_PKS = PreparedQuery(lambda public_ids: _users_with_public_ids(public_ids).values_list("public_id", "pk"))
_USER_PKS_AND_MEMBERSHIP = PreparedQuery(lambda public_ids, group_pk: _users_with_public_ids(public_ids).annotate(
    member=Exists(GroupMembership.objects.filter(Exact(F("group_id"), Value(group_pk)), user_id=OuterRef("pk"))),
).values_list("public_id", "pk", "member"))
_MEMBERSHIPS_OF_USERS = PreparedQuery(lambda group_pk, user_pks: GroupMembership.objects.filter(
    Exact(F("group_id"), Value(group_pk)), IsAnyOf(F("user_id"), Value(user_pks))))


def _user_pks(public_ids: Iterable[str], group: Group | None = None) -> tuple[dict[str, int], set[int]]:
    """SCIM user id -> pk for users of the current org, and which of them are members of `group`
    now, in one query; any unknown id is refused."""
    public_ids = set(public_ids)
    if not public_ids:
        return {}, set()
    if group is None:
        rows = [(public_id, pk, False) for public_id, pk in _USER_PKS.all(public_ids=sorted(public_ids))]
    else:
        rows = _USER_PKS_AND_MEMBERSHIP.all(public_ids=sorted(public_ids), group_pk=group.pk)
    found, members = {}, set()
    for public_id, pk, is_member in rows:
        found[public_id] = pk
        if is_member:
            members.add(pk)
    missing = sorted(public_ids - found.keys())
    if missing:
        # The same words whether the id is another org's or never existed (invariant 1).
        raise ValidationError(f"No user of this organization has the id {missing[0]}.", code="unknown_member")
    return found, members


def _unique_conflicts(group: Group) -> UniqueConflicts:
    """What a write of `group` answers when another group of the org holds its displayName or externalId."""
    return UniqueConflicts({
        "scim_group_org_name_ci_unique": f"A group with displayName {group.display_name} already exists.",
        "scim_group_org_external_id_unique": f"A group with externalId {group.external_id} already exists.",
    }, otherwise="A group with this displayName or externalId already exists.")


def _add_members(group: Group, user_pks) -> None:
    GroupMembership.objects.bulk_create(
        [GroupMembership(org_id=group.org_id, group_id=group.pk, user_id=pk) for pk in user_pks],
        ignore_conflicts=True,  # INSERT ... ON CONFLICT DO NOTHING: adding a member twice is a no-op.
    )


def _apply_steps(group: Group, steps: list[MemberStep], pks: dict[str, int],
                 members_before: set[int]) -> tuple[list[str], list[str]]:
    """Run the steps; return the ids they added and removed, net. The named users' membership is
    followed in memory from `members_before` (no query per step); only a remove-all or a replace
    reads the members it drops that the request didn't name (it deletes them anyway)."""
    memberships = GroupMembership.objects.filter(group_id=group.pk)
    ids = {pk: public_id for public_id, pk in pks.items()}
    is_member = {pk: pk in members_before for pk in ids}
    dropped_unnamed: list[str] = []
    for step in steps:
        step_pks = [pks[public_id] for public_id in step.user_ids]
        if step.action == "add":
            _add_members(group, step_pks)
            is_member.update(dict.fromkeys(step_pks, True))
        elif step.action == "remove":
            _MEMBERSHIPS_OF_USERS.delete(group_pk=group.pk, user_pks=step_pks)
            is_member.update(dict.fromkeys(step_pks, False))
        else:  # remove_all, or replace: the new set is exactly step_pks
            dropped_unnamed += memberships.exclude(user_id__in=list(ids)).values_list("user__public_id", flat=True)
            if step.action == "remove_all":
                memberships.delete()
            else:
                memberships.exclude(user_id__in=step_pks).delete()
                _add_members(group, step_pks)
            is_member = dict.fromkeys(ids, False) | dict.fromkeys(step_pks, True)
    added = [ids[pk] for pk, now in is_member.items() if now and pk not in members_before]
    removed = [ids[pk] for pk, now in is_member.items() if not now and pk in members_before]
    return added, removed + dropped_unnamed


def _clean(group: Group) -> None:
    group.full_clean(exclude=["org", "public_id"], validate_unique=False, validate_constraints=False)


@org_bound
def group_create(*, org: Organization, actor: Actor, values: GroupValues) -> Group:
    """A new group with its members; all or nothing."""
    with transaction.atomic(savepoint=False):
        group = Group(org=org, **values.fields)
        _clean(group)
        pks, _ = _user_pks(values.member_ids or [])
        Group.objects.insert_new(group, _unique_conflicts(group))
        _add_members(group, pks.values())
        directory_events.resource_created(org=org, actor=actor, resource_type="Group", row=group,
                                          members=sorted(pks))
    return group


@org_bound
def group_update(*, org: Organization, actor: Actor, public_id: str, fields: dict, steps: list[MemberStep],
                 if_match: str | None = None) -> Group:
    """PATCH: set `fields` and run the member `steps` in order. All or nothing: ids resolve and names
    are checked before anything is written."""
    with transaction.atomic(savepoint=False):
        group = _locked_group(public_id, if_match)
        pks, members_before = _user_pks((public_id for step in steps for public_id in step.user_ids), group)
        before = directory_events.render("Group", group)
        for name, value in fields.items():
            setattr(group, name, value)
        _clean(group)
        Group.objects.write_next_version(group, fields, _unique_conflicts(group))
        added, removed = _apply_steps(group, steps, pks, members_before)
        directory_events.resource_updated(org=org, actor=actor, resource_type="Group", row=group, before=before)
        directory_events.group_members_changed(org=org, actor=actor, group_id=group.public_id, added=added,
                                               removed=removed)
    return group


@org_bound
def group_replace(*, org: Organization, actor: Actor, public_id: str, values: GroupValues,
                  if_match: str | None = None) -> Group:
    """PUT: the group becomes exactly `values`, its member set included."""
    return group_update(org=org, actor=actor, public_id=public_id, fields=values.fields,
                        steps=[MemberStep("replace", values.member_ids or [])], if_match=if_match)


@org_bound
def group_delete(*, org: Organization, actor: Actor, public_id: str, if_match: str | None = None) -> None:
    with transaction.atomic(savepoint=False):
        group = _locked_group(public_id, if_match)
        GroupMembership.objects.filter(group_id=group.pk).delete()
        group.delete()
        directory_events.resource_deleted(org=org, actor=actor, resource_type="Group", public_id=public_id)
