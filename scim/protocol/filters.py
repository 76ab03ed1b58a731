"""SCIM filters (RFC 7644 §3.4.2.2) to Django Q objects, through scim2-filter-parser's transpiler.

The stock transpiler drops a comparison on an attribute missing from its map (a silently wider
result) and compares datetimes and booleans with iexact; this subclass raises invalidFilter for
any attribute or operator it cannot answer exactly, and types each comparison from ATTRIBUTES.
The org filter is not here: callers apply the Q inside org_scope, so (a OR b) AND org holds.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.dateparse import parse_datetime
from django_scim.constants import SchemaURI
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from scim2_filter_parser.transpilers.django_q_object import Transpiler

from .errors import invalid_filter

# CASE_EXACT: string attributes RFC 7643 marks caseExact (id, externalId): compared as given.
STRING, CASE_EXACT, BOOLEAN, DATETIME = "string", "caseExactString", "boolean", "dateTime"
CORE = SchemaURI.USER.lower()
ENTERPRISE = SchemaURI.ENTERPRISE_USER.lower()

# (attribute, sub-attribute, schema URN) -> (ORM path, type). Names are matched lower-cased.
_CORE_ATTRIBUTES = {
    ("id", None): ("public_id", CASE_EXACT),
    ("externalid", None): ("external_id", CASE_EXACT),
    ("username", None): ("user_name", STRING),
    ("displayname", None): ("display_name", STRING),
    ("nickname", None): ("nick_name", STRING),
    ("title", None): ("title", STRING),
    ("usertype", None): ("user_type", STRING),
    ("preferredlanguage", None): ("preferred_language", STRING),
    ("locale", None): ("locale", STRING),
    ("timezone", None): ("timezone", STRING),
    ("active", None): ("active", BOOLEAN),
    ("name", "formatted"): ("name_formatted", STRING),
    ("name", "familyname"): ("family_name", STRING),
    ("name", "givenname"): ("given_name", STRING),
    ("name", "middlename"): ("middle_name", STRING),
    ("name", "honorificprefix"): ("honorific_prefix", STRING),
    ("name", "honorificsuffix"): ("honorific_suffix", STRING),
    ("emails", None): ("emails__value", STRING),
    ("emails", "value"): ("emails__value", STRING),
    ("emails", "type"): ("emails__type", STRING),
    ("emails", "primary"): ("emails__primary", BOOLEAN),
    ("meta", "created"): ("created", DATETIME),
    ("meta", "lastmodified"): ("last_modified", DATETIME),
}
_ENTERPRISE_ATTRIBUTES = {
    ("employeenumber", None): ("employee_number", STRING),
    ("costcenter", None): ("cost_center", STRING),
    ("organization", None): ("organization", STRING),
    ("division", None): ("division", STRING),
    ("department", None): ("department", STRING),
    ("manager", None): ("manager_id", STRING),
    ("manager", "value"): ("manager_id", STRING),
    ("manager", "displayname"): ("manager_display_name", STRING),
}
ATTRIBUTES = {
    **{(name, sub, None): target for (name, sub), target in _CORE_ATTRIBUTES.items()},
    **{(name, sub, CORE): target for (name, sub), target in _CORE_ATTRIBUTES.items()},
    **{(name, sub, ENTERPRISE): target for (name, sub), target in _ENTERPRISE_ATTRIBUTES.items()},
}

_STRING_LOOKUPS = {"eq": "iexact", "ne": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith",
                   "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
_CASE_EXACT_LOOKUPS = {"eq": "exact", "ne": "exact", "co": "contains", "sw": "startswith", "ew": "endswith",
                       "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
_ORDERED_LOOKUPS = {"eq": "exact", "ne": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}


GROUP = SchemaURI.GROUP.lower()
_GROUP_CORE_ATTRIBUTES = {
    ("id", None): ("public_id", CASE_EXACT),
    ("externalid", None): ("external_id", CASE_EXACT),
    ("displayname", None): ("display_name", STRING),
    # members are SCIM user ids (caseExact), never database pks.
    ("members", None): ("memberships__user__public_id", CASE_EXACT),
    ("members", "value"): ("memberships__user__public_id", CASE_EXACT),
    ("meta", "created"): ("created", DATETIME),
    ("meta", "lastmodified"): ("last_modified", DATETIME),
}
GROUP_ATTRIBUTES = {
    **{(name, sub, None): target for (name, sub), target in _GROUP_CORE_ATTRIBUTES.items()},
    **{(name, sub, GROUP): target for (name, sub), target in _GROUP_CORE_ATTRIBUTES.items()},
}


class StrictUserFilterTranspiler(Transpiler):
    """Also serves Groups: `attributes` is the explicit map for the resource type being filtered."""

    def __init__(self, attributes=None):
        self.attributes = ATTRIBUTES if attributes is None else attributes
        super().__init__({key: path for key, (path, _kind) in self.attributes.items()})

    def visit_AttrPath(self, node):
        key = (node.attr_name.lower(), node.sub_attr.value.lower() if node.sub_attr else None,
               node.uri.lower() if node.uri else None)
        if key not in self.attributes:
            shown = ".".join(part for part in (node.uri, node.attr_name, node.sub_attr and node.sub_attr.value) if part)
            raise invalid_filter(f"Filtering on {shown} is not supported.")
        return self.attributes[key]

    def visit_AttrExpr(self, node):
        if isinstance(node.attr_path.attr_name, scim_ast.Filter):
            return self._value_path_expression(node)
        path, kind = self.visit(node.attr_path)
        return self._comparison(path, kind, node)

    def visit_PartialAttrExpr(self, node):
        full = self.visit(node)
        path, kind = self.visit(node.namespace)
        return full, (path, kind)

    def _value_path_expression(self, node):
        # emails[type eq "work"].value eq "x": the bracket filter AND the comparison, on one row.
        full, (path, kind) = self.visit_PartialAttrExpr(node.attr_path.attr_name)
        return full & self._comparison(path, kind, node)

    def visit_LogExpr(self, node):
        left, right = self.visit(node.expr1), self.visit(node.expr2)
        return left & right if node.op.upper() == "AND" else left | right

    def visit_Filter(self, node):
        query = super().visit_Filter(node)
        if query is None:
            raise invalid_filter("The filter selects nothing this service can evaluate.")
        return query

    def _comparison(self, path: str, kind: str, node) -> Q:
        operator = node.value.lower()
        if operator == "pr":
            present = Q(**{f"{path}__isnull": False})
            return present & ~Q(**{path: ""}) if kind in (STRING, CASE_EXACT) else present
        value = self.visit(node.comp_value) if node.comp_value else None
        if kind in (STRING, CASE_EXACT):
            if not isinstance(value, str):
                raise invalid_filter(f"{operator} on a string attribute needs a quoted string.")
            lookup = (_STRING_LOOKUPS if kind == STRING else _CASE_EXACT_LOOKUPS)[operator]
        elif kind == BOOLEAN:
            if operator not in ("eq", "ne") or not isinstance(value, bool):
                raise invalid_filter("A boolean attribute is compared with eq or ne and true or false.")
            lookup = "exact"
        else:
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if operator not in _ORDERED_LOOKUPS or parsed is None:
                raise invalid_filter("A dateTime attribute is compared with eq, ne, gt, ge, lt or le and an "
                                     "RFC 3339 timestamp such as \"2024-05-13T04:42:34Z\".")
            lookup, value = _ORDERED_LOOKUPS[operator], parsed
        if lookup == "iexact":
            # lower(col) = lower(value): served by the (org, lower(...)) indexes, unlike Django's UPPER().
            query = Q(Exact(Lower(path), value.lower()))
        else:
            query = Q(**{f"{path}__{lookup}": value})
        return ~query if operator == "ne" else query


def user_filter_q(filter_text: str, attributes: dict | None = None) -> Q:
    """The Q for a SCIM filter on Users (or on the resource `attributes` maps); raises ScimError(400
    invalidFilter) when it can't be exact."""
    if len(filter_text) > 4000:
        raise invalid_filter("The filter is too long.")
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(filter_text))
    except (SCIMParserError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise invalid_filter(f"The filter could not be parsed: {error}") from None
    if tree is None:
        raise invalid_filter("The filter could not be parsed.")
    try:
        return StrictUserFilterTranspiler(attributes).transpile(tree)
    except (NotImplementedError, ValueError, TypeError, AttributeError) as error:
        raise invalid_filter(f"The filter could not be evaluated: {error}") from None


def user_ordering(sort_by: str | None, sort_order: str | None, attributes: dict | None = None) -> list:
    """ORDER BY for sortBy/sortOrder (RFC 7644 §3.4.2.3), always ending with id for stable paging."""
    if not sort_by:
        return ["id"]
    parts = sort_by.strip().split(":")
    uri = ":".join(parts[:-1]).lower() or None
    attr, _, sub = parts[-1].partition(".")
    target = (ATTRIBUTES if attributes is None else attributes).get((attr.lower(), sub.lower() or None, uri))
    if target is None or "__" in target[0]:
        raise invalid_filter(f"Sorting by {sort_by} is not supported.")
    path, kind = target
    expression = Lower(path) if kind == STRING else F(path)
    descending = (sort_order or "ascending").lower() == "descending"
    return [expression.desc() if descending else expression.asc(), "-id" if descending else "id"]
