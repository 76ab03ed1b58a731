"""Reads for the console's Users pages, built to stay fast at 200,000 users in one org.

Pages are keyset-paged on lower(userName), which the (org, lower(user_name)) unique index serves:
no COUNT(*) over the org and no deep OFFSET, so page 4,000 costs what page 1 does.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower

from .models import ProvisioningEvent, ScimUser

PAGE_SIZE = 50
HISTORY_SIZE = 50


def directory_users_page(*, query: str = "", active: str = "", after: str = "", size: int | None = None):
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


def directory_user(public_id: str) -> ScimUser | None:
    return ScimUser.objects.prefetch_related("emails").filter(public_id=public_id).first()


def user_provisioning_history(public_id: str, size: int = HISTORY_SIZE) -> list[ProvisioningEvent]:
    return list(ProvisioningEvent.objects.filter(user_public_id=public_id).order_by("-created", "-id")[:size])
