"""Every write to the org's groups. Membership writes are set operations whose cost is O(k) in the
k member ids a request names, whatever the group's size (DESIGN.md invariant 5):

- the k SCIM ids resolve to user pks in one org-scoped query; an id that isn't a user of this org
  (another org's, or none at all) is 400 invalidValue with the same words, and nothing is written;
- add is one INSERT ... ON CONFLICT DO NOTHING, remove one DELETE ... WHERE user_id IN (...);
- every write first bumps the group's version with an UPDATE, whose row lock serialises concurrent
  PATCHes of one group, so two of them both land (the union), and meta.version changes.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from tenants.models import Organization
from tenants.scoping import org_scope

from .errors import invalid_value, uniqueness
from .group_adapters import GroupValues, MemberStep
from .models import Group, GroupMembership, ScimUser


def resolve_user_pks(public_ids) -> dict[str, int]:
    """SCIM user id -> pk for users of the current org, in one query; any unknown id is a 400."""
    public_ids = set(public_ids)
    if not public_ids:
        return {}
    found = dict(ScimUser.objects.filter(public_id__in=public_ids).values_list("public_id", "pk"))
    missing = sorted(public_ids - found.keys())
    if missing:
        # The same words whether the id is another org's or never existed (invariant 1).
        raise invalid_value(f"No user of this organization has the id {missing[0]}.")
    return found


def _check_unique(fields: dict, exclude_pk: int | None) -> None:
    others = Group.objects.exclude(pk=exclude_pk)
    name = fields.get("display_name")
    if name and others.filter(Exact(Lower("display_name"), name.lower())).exists():
        raise uniqueness(f"A group with displayName {name} already exists.")
    external_id = fields.get("external_id")
    if external_id and others.filter(external_id=external_id).exists():
        raise uniqueness(f"A group with externalId {external_id} already exists.")


def _add_members(group: Group, user_pks) -> None:
    GroupMembership.objects.bulk_create(
        [GroupMembership(org_id=group.org_id, group_id=group.pk, user_id=pk) for pk in user_pks],
        ignore_conflicts=True,  # INSERT ... ON CONFLICT DO NOTHING: adding a member twice is a no-op.
    )


def _apply_steps(group: Group, steps: list[MemberStep], pks: dict[str, int]) -> None:
    memberships = GroupMembership.objects.filter(group_id=group.pk)
    for step in steps:
        step_pks = [pks[public_id] for public_id in step.user_ids]
        if step.action == "add":
            _add_members(group, step_pks)
        elif step.action == "remove":
            memberships.filter(user_id__in=step_pks).delete()
        elif step.action == "remove_all":
            memberships.delete()
        else:  # replace: the new set is exactly step_pks
            memberships.exclude(user_id__in=step_pks).delete()
            _add_members(group, step_pks)


def _save_fields(group: Group, fields: dict) -> None:
    for model_field, value in fields.items():
        setattr(group, model_field, value)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:  # A concurrent request won the race _check_unique looked for.
        raise uniqueness("A group with this displayName or externalId already exists.") from None


def _bump_version(group: Group) -> None:
    """UPDATE first: takes the row lock that serialises writers of this group until commit."""
    Group.objects.filter(pk=group.pk).update(version=F("version") + 1, last_modified=timezone.now())
    group.refresh_from_db(fields=["version", "last_modified", "display_name", "external_id"])


def create_group(*, org: Organization, values: GroupValues) -> Group:
    with transaction.atomic(), org_scope(org):
        _check_unique(values.fields, exclude_pk=None)
        pks = resolve_user_pks(values.member_ids or [])
        group = Group(org=org)
        _save_fields(group, values.fields)
        _add_members(group, pks.values())
    return group


def patch_group(*, org: Organization, group: Group, fields: dict, steps: list[MemberStep]) -> Group:
    """All or nothing: ids resolve and names are checked before anything is written."""
    with transaction.atomic(), org_scope(org):
        pks = resolve_user_pks(public_id for step in steps for public_id in step.user_ids)
        _bump_version(group)
        if fields:
            _check_unique(fields, exclude_pk=group.pk)
            _save_fields(group, fields)
        _apply_steps(group, steps, pks)
    return group


def replace_group(*, org: Organization, group: Group, values: GroupValues) -> Group:
    """PUT: the group becomes exactly `values`, its member set included."""
    return patch_group(org=org, group=group, fields=values.fields,
                       steps=[MemberStep("replace", values.member_ids or [])])


def delete_group(*, org: Organization, group: Group) -> None:
    with transaction.atomic(), org_scope(org):
        GroupMembership.objects.filter(group_id=group.pk).delete()
        group.delete()


def remove_user_from_groups(*, org: Organization, user: ScimUser) -> None:
    """A deleted user leaves every group; those groups' versions change."""
    with org_scope(org):
        group_ids = GroupMembership.objects.filter(user_id=user.pk).values("group_id")
        Group.objects.filter(pk__in=group_ids).update(version=F("version") + 1, last_modified=timezone.now())
        GroupMembership.objects.filter(user_id=user.pk).delete()
