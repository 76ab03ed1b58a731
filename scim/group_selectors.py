"""Reads of the org's groups. Callers run inside org_scope(org); every query is org-filtered in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet

from .errors import not_found
from .models import Group, GroupMembership
from .selectors import page_of

MEMBER_CHUNK = 2000


def group_by_public_id(public_id: str) -> Group:
    """The group with this id in the current org; another org's id is a 404 like one that never existed."""
    group = Group.objects.filter(public_id=public_id).first()
    if group is None:
        raise not_found(public_id)
    return group


def _member_rows(group_pks) -> QuerySet:
    return (GroupMembership.objects.filter(group_id__in=group_pks).order_by("group_id", "id")
            .values_list("group_id", "user__public_id", "user__display_name", "user__user_name"))


def member_rows(group: Group) -> Iterator[tuple[str, str]]:
    """(user id, display) of every member, read in chunks through a server-side cursor."""
    for _group_id, public_id, display_name, user_name in _member_rows([group.pk]).iterator(chunk_size=MEMBER_CHUNK):
        yield public_id, display_name or user_name


def members_by_group(group_pks) -> dict[int, list[tuple[str, str]]]:
    """The members of several groups (a page of a list) in one query."""
    members = defaultdict(list)
    for group_id, public_id, display_name, user_name in _member_rows(group_pks):
        members[group_id].append((public_id, display_name or user_name))
    return members


def groups_page(*, condition: Q | None, ordering: list, start_index: int, count: int) -> tuple[int, list[Group]]:
    return page_of(Group, Group.objects.all(), condition=condition, ordering=ordering, start_index=start_index,
                   count=count)


def directory_groups(*, query: str | None = None) -> QuerySet[Group]:
    """The console's list: groups with their member counts, by name."""
    groups = Group.objects.annotate(member_count=Count("memberships")).order_by("display_name", "id")
    if query:
        groups = groups.filter(Q(display_name__icontains=query) | Q(external_id__icontains=query))
    return groups


def group_members(group: Group) -> QuerySet:
    return GroupMembership.objects.filter(group_id=group.pk).select_related("user").order_by("user__user_name", "id")
