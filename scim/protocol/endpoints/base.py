"""What every SCIM handler speaks: a ScimRequest in, a ScimResult out, and `respond`, which runs one.

A ScimRequest is built by the HTTP view from a Django request, or by Bulk from one of its
operations; a ScimResult is rendered by the HTTP view as a response, or by Bulk as an operation's
result. Handlers never see an HttpRequest, so both paths run the same code.
"""

from __future__ import annotations

import json
import math
import re
from contextlib import nullcontext
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_scim.constants import SchemaURI

from oauthapps.credentials import Principal
from tenants.audit import Actor
from tenants.errors import Conflict, NotFound, PreconditionFailed

from scim.models import etag_matches

from ..discovery import DEFAULT_COUNT, MAX_RESULTS
from ..errors import ScimError, invalid_filter, invalid_syntax, invalid_value, scim_error_from
from ..filters import user_filter_q, user_ordering

NO_DATA = object()


def _refuse_non_json_constant(name: str):
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity).")


class _NumberOutOfRange(ValueError):
    pass


def _finite_float(text: str) -> float:
    """A JSON number as a float; one beyond a double's range (1e999) would become inf, which no JSON
    document (the provisioning log's jsonb) can hold again (RFC 8259 §6 lets us set the limit)."""
    number = float(text)
    if math.isinf(number):
        raise _NumberOutOfRange(text)
    return number


# The deepest JSON a SCIM body needs is ~5 levels (Bulk > operation > data > emails > item);
# json.loads recurses, so a body nested ~1,000 deep was a RecursionError and a 500 (issue 12).
MAX_BODY_NESTING = 32
_SURROGATE = re.compile("[\\ud800-\\udfff]")


def _check_nesting(raw: bytes) -> None:
    """invalid_syntax when brackets outside strings nest deeper than MAX_BODY_NESTING (one pass)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_BODY_NESTING:
                raise invalid_syntax(f"The request body nests deeper than {MAX_BODY_NESTING} levels.")
        elif byte in (0x5D, 0x7D):
            depth -= 1


def _check_text(value) -> None:
    """invalid_value for a NUL or a lone UTF-16 surrogate ("\\ud800") in any key or string:
    PostgreSQL stores neither in text or jsonb, and psycopg cannot even encode a surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise invalid_value("Text in the request may not contain NUL characters.")
            if _SURROGATE.search(item):
                raise invalid_value("Text in the request may not contain lone UTF-16 surrogates.")


@dataclass
class ScimRequest:
    """One SCIM operation: who asks (principal), what (method, path kwargs, query parameters, body)."""

    principal: Principal | None
    method: str
    kwargs: dict = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    if_match: str | None = None
    if_none_match: str | None = None
    address: str | None = None
    # The body: Bulk gives an operation's data already parsed; HTTP gives a reader of the raw bytes,
    # called only by handlers that take a body (a GET or DELETE with a huge body is not read).
    data: Any = NO_DATA
    read_body: Callable[[], bytes] = lambda: b""
    declared_length: str | None = None
    # Filled while handling, for the provisioning log: the parsed body and the resource touched.
    logged_body: Any = None
    user_id: str = ""
    group_id: str = ""

    @property
    def org(self):
        return self.principal.org

    @property
    def actor(self) -> Actor:
        """Who the audit log says acted: the IdP's credential, from the client's address."""
        return Actor.credential(self.principal.credential_label, address=self.address)

    def json(self) -> dict:
        """The body as a JSON object, or a SCIM 400 (invalidSyntax, or invalidValue for a NUL)."""
        if self.data is NO_DATA:
            raw = self.read_body() or b"null"
            try:
                _check_nesting(raw)
                self.logged_body = json.loads(raw, parse_constant=_refuse_non_json_constant,
                                              parse_float=_finite_float)
            except _NumberOutOfRange as error:
                raise invalid_value(f"The number {str(error)[:40]} is out of range.") from None
            except (ValueError, UnicodeDecodeError, RecursionError):
                raise invalid_syntax("The request body is not valid JSON.") from None
        else:
            self.logged_body = self.data
        if not isinstance(self.logged_body, dict):
            raise invalid_syntax("The request body must be a JSON object.")
        try:
            _check_text(self.logged_body)
        except ScimError:
            self.logged_body = None  # nor may it reach the provisioning log's jsonb
            raise
        return self.logged_body


@dataclass
class ScimResult:
    """What a handler answers: a status, a JSON body or a stream of one (a big group), and headers."""

    status: int
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterable[bytes] | None = None

    @property
    def scim_type(self) -> str:
        return (self.body or {}).get("scimType", "") if self.status >= 400 else ""

    @property
    def error_detail(self) -> str:
        return str((self.body or {}).get("detail", "")) if self.status >= 400 else ""


def error_result(error: ScimError) -> ScimResult:
    return ScimResult(error.status, error.to_dict(), dict(error.headers))


class Endpoint:
    """A SCIM endpoint: the operation (scope, see scim.protocol.auth) each HTTP method needs, and a
    handler method of the same name, lower-cased, for each."""

    operations: dict[str, str | None] = {}
    # A write and the response that acknowledges it are one transaction: if the database goes away
    # before the response is built, nothing was committed, so no IdP retry meets its own write (409).
    writes_in_one_transaction = True

    def handler(self, method: str) -> Callable[[ScimRequest], ScimResult]:
        return getattr(self, method.lower())


# What handlers may raise besides ScimError: the directory's domain errors.
DOMAIN_ERRORS = (ValidationError, Conflict, NotFound, PreconditionFailed)


def respond(endpoint: Endpoint, request: ScimRequest,
            before_commit: Callable[[ScimResult], None] | None = None) -> ScimResult:
    """Run `endpoint`'s handler for the request's method. SCIM errors and the directory's domain
    errors become SCIM error results here, the one place they are translated (scim_error_from).

    A write runs in one transaction; `before_commit(result)` runs inside it once the write succeeded (the
    provisioning log's row rides on the write's commit instead of paying for its own)."""
    in_one_transaction = endpoint.writes_in_one_transaction and request.method != "GET"
    try:
        with transaction.atomic() if in_one_transaction else nullcontext():
            result = endpoint.handler(request.method)(request)
            if in_one_transaction and before_commit is not None:
                before_commit(result)
            return result
    except (ScimError, *DOMAIN_ERRORS) as error:
        return error_result(scim_error_from(error))


# --- pieces several handlers share -----------------------------------------------------------------


def attribute_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value if str(item).strip()]
    return [part for part in str(value).split(",") if part.strip()]


def projection(params: Mapping) -> tuple[list[str], list[str]]:
    """attributes and excludedAttributes (RFC 7644 §3.4.2.5)."""
    return attribute_list(params.get("attributes")), attribute_list(params.get("excludedAttributes"))


def integer(value, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_value(f"{name} must be an integer.") from None


def page_bounds(params: Mapping) -> tuple[int, int]:
    """startIndex and count (RFC 7644 §3.4.2.4), clamped as the RFC says."""
    return (max(integer(params.get("startIndex"), "startIndex", 1), 1),
            min(max(integer(params.get("count"), "count", DEFAULT_COUNT), 0), MAX_RESULTS))


def list_query(params: Mapping, attributes: dict | None = None) -> dict:
    """filter, startIndex, count, sortBy and sortOrder (RFC 7644 §3.4.2) as the keyword arguments of
    a page selector; `attributes`: the filter map of the resource type (Users' by default)."""
    filter_text = params.get("filter")
    start_index, count = page_bounds(params)
    return {
        "condition": user_filter_q(filter_text, attributes) if filter_text not in (None, "") else None,
        "start_index": start_index,
        "count": count,
        "ordering": user_ordering(params.get("sortBy"), params.get("sortOrder"), attributes),
    }


def not_modified(request: ScimRequest, resource) -> ScimResult | None:
    """304 when If-None-Match names the resource's current ETag."""
    if request.if_none_match and etag_matches(request.if_none_match, resource.etag):
        return ScimResult(304, headers={"ETag": resource.etag})
    return None


def list_response(resources: list[dict], total: int | None = None, start_index: int = 1) -> dict:
    return {
        "schemas": [SchemaURI.LIST_RESPONSE],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


class SearchEndpoint(Endpoint):
    """POST /<Resource>/.search (RFC 7644 §3.4.3): the query parameters as a SearchRequest body.
    Mixed into a collection endpoint, whose `search(request, params)` it calls."""

    operations = {"POST": "list"}

    def post(self, request: ScimRequest) -> ScimResult:
        body = dict(request.json())
        schemas_given = body.get("schemas") or [SchemaURI.SERACH_REQUEST]
        if not isinstance(schemas_given, list):
            raise invalid_value("schemas must be a list of schema URIs.")
        for name in ("filter", "sortBy", "sortOrder"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise (invalid_filter if name == "filter" else invalid_value)(f"{name} must be a string.")
        for name in ("startIndex", "count"):
            if body.get(name) is not None and (isinstance(body[name], bool) or not isinstance(body[name], (int, str))):
                raise invalid_value(f"{name} must be an integer.")
        for name in ("attributes", "excludedAttributes"):
            value = body.get(name)
            if value is not None and not isinstance(value, str) and not (
                    isinstance(value, list) and all(isinstance(item, str) for item in value)):
                raise invalid_value(f"{name} must be a string or a list of strings.")
        if SchemaURI.SERACH_REQUEST not in schemas_given:
            raise invalid_value(f"A search request lists the schema {SchemaURI.SERACH_REQUEST}.")
        return self.search(request, body)
