"""Reads of the SCIM directory. Callers run inside org_scope(org); every query is org-filtered in SQL."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from .errors import not_found
from .models import GroupMembership, ProvisioningEvent, ScimUser


def users_with_emails() -> QuerySet[ScimUser]:
    """Users with their e-mails and groups prefetched: two more queries per page, whatever its size."""
    memberships = GroupMembership.objects.select_related("group").order_by("group__display_name", "id")
    return ScimUser.objects.prefetch_related("emails", Prefetch("group_memberships", queryset=memberships))


def user_by_public_id(public_id: str) -> ScimUser:
    """The user with this id in the current org; another org's id is a 404 like one that never existed."""
    user = users_with_emails().filter(public_id=public_id).first()
    if user is None:
        raise not_found(public_id)
    return user


def page_of(model, rows: QuerySet, *, condition: Q | None, ordering: list, start_index: int, count: int
            ) -> tuple[int, list]:
    """One page of `rows` (a queryset of `model`) matching `condition`, and how many match (an SQL COUNT).

    The condition is applied in a subquery of ids (itself org-scoped), so joins to e-mails or members
    never duplicate a row and an OR in the filter stays inside (filter) AND org.
    """
    matching = model.objects.all()
    if condition is not None:
        matching = matching.filter(pk__in=model.objects.filter(condition).values("pk"))
        rows = rows.filter(pk__in=matching.values("pk"))
    total = matching.count()
    if count == 0 or start_index > total:
        return total, []
    offset = start_index - 1
    return total, list(rows.order_by(*ordering)[offset:offset + count])


def users_page(*, condition: Q | None, ordering: list, start_index: int, count: int) -> tuple[int, list[ScimUser]]:
    return page_of(ScimUser, users_with_emails(), condition=condition, ordering=ordering, start_index=start_index,
                   count=count)


def provisioning_events(*, status: str | None = None, method: str | None = None, query: str | None = None
                        ) -> QuerySet[ProvisioningEvent]:
    events = ProvisioningEvent.objects.order_by("-created", "-id")
    if status == "errors":
        events = events.filter(status__gte=400)
    elif status == "ok":
        events = events.filter(status__lt=400)
    if method:
        events = events.filter(method=method.upper())
    if query:
        events = events.filter(Q(path__icontains=query) | Q(user_public_id=query) | Q(credential_name__icontains=query))
    return events


def directory_users(*, query: str | None = None) -> QuerySet[ScimUser]:
    users = users_with_emails().order_by("user_name", "id")
    if query:
        users = users.filter(
            pk__in=ScimUser.objects.filter(
                Q(user_name__icontains=query) | Q(display_name__icontains=query) | Q(emails__value__icontains=query)
            ).values("pk")
        )
    return users
