"""Cursor pagination for every list: `?limit=` (1-100, default 50) and `?cursor=` from the previous
page's `next`. Keyset on the list's ordering, so page 1,000 costs what page 1 does, and rows added
meanwhile never shift a page. Cursors are opaque (base64 of the last row's sort key)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
BAD_CURSOR = "Not a cursor this API gave out."


class PageParameters(serializers.Serializer):
    cursor = serializers.CharField(required=False, default="", allow_blank=True,
                                   help_text="The `next` cursor of the previous page.")
    limit = serializers.IntegerField(required=False, default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT)


def _exact(value):
    # Whole microseconds: DjangoJSONEncoder keeps milliseconds only, and the keyset needs the exact value.
    return value.isoformat() if isinstance(value, datetime) else str(value)


def encode_cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=_exact).encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None


def keyset_page(rows: QuerySet, ordering: tuple[str, ...], cursor: str, limit: int) -> tuple[list, str | None]:
    """One page of `rows` in `ordering` (field names, "-" for descending; the last one unique) after
    `cursor`, and the cursor of the next page (None on the last one)."""
    fields = [name.lstrip("-") for name in ordering]
    position = decode_cursor(cursor)
    if position is not None:
        rows = rows.filter(_after(rows.model, ordering, _typed(rows.model, fields, position)))
    page = list(rows.order_by(*ordering)[: limit + 1])
    if len(page) <= limit:
        return page, None
    last = page[limit - 1]
    return page[:limit], encode_cursor([getattr(last, name) for name in fields])


def _typed(model, fields: list[str], position) -> list:
    if not isinstance(position, list) or len(position) != len(fields):
        raise ValidationError({"cursor": [BAD_CURSOR]})
    try:
        typed = [model._meta.get_field(name).to_python(value) for name, value in zip(fields, position, strict=True)]
    except (DjangoValidationError, TypeError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    if any(value is None for value in typed):
        raise ValidationError({"cursor": [BAD_CURSOR]})
    return typed


def _after(model, ordering: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in `ordering`: (a > x) or (a = x and b > y) ..."""
    condition = Q()
    for index, name in enumerate(ordering):
        field = name.lstrip("-")
        step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": values[index]})
        for earlier, value in zip(ordering[:index], values[:index], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


def page_response(request, serializer_class, items: list, next_cursor: str | None) -> Response:
    next_url = None
    if next_cursor:
        query = request.query_params.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(request.path) + "?" + query.urlencode()
    return Response({"results": serializer_class(items, many=True).data, "next": next_url})


def page_serializer(item_serializer):
    """The schema of one page of `item_serializer` (for drf-spectacular)."""
    name = item_serializer.__name__.removesuffix("Serializer") + "PageSerializer"
    return type(name, (serializers.Serializer,), {
        "results": item_serializer(many=True),
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
    })
