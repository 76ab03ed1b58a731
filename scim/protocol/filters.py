"""SCIM filters (RFC 7644 §3.4.2.2) to Django Q objects, through scim2-filter-parser's transpiler.

The stock transpiler drops a comparison on an attribute missing from its map (a silently wider
result) and compares datetimes and booleans with iexact; this subclass raises invalidFilter for
any attribute or operator it cannot answer exactly, and types each comparison from ATTRIBUTES.
The org filter is not here: callers apply the Q inside org_scope, so (a OR b) AND org holds.
"""

from __future__ import annotations

import re

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, StartsWith
from django.utils.dateparse import parse_datetime
from django_scim.constants import SchemaURI
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from scim2_filter_parser.transpilers.django_q_object import Transpiler

from scim.models import GroupMembership, ScimUserEmail

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


# Multi-valued attributes live in their own tables: a comparison on one is answered by
# EXISTS (SELECT 1 FROM <table> WHERE <fk> = outer.id AND ...), and its negation by NOT EXISTS, which
# PostgreSQL runs as a (anti) semi-join whose cost follows the rows. Left to Django, `not (emails.type
# le "x")` became NOT IN over a subquery per user: 50 s with 1,000 users (issue 12).
RELATIONS = {"emails": (ScimUserEmail, "user"), "memberships": (GroupMembership, "group")}

# Bounds on a filter, checked on its tokens before it is parsed (parser and translator recurse):
# 2,048 characters fit a URL inside gunicorn's --limit-request-line 8190 even percent-encoded (x3).
MAX_FILTER_LENGTH = 2048
MAX_FILTER_COMPARISONS = 32
MAX_FILTER_NESTING = 8
_COMPARISON_TOKENS = {"EQ", "NE", "GT", "GE", "LT", "LE", "CO", "SW", "EW", "PR"}
_SURROGATE = re.compile("[\ud800-\udfff]")


# The lookup Okta and Entra make before every create, and a userName prefix: one comparison, written as
# scim2-filter-parser reads it (a quoted value is taken as is, keywords in any case).
_ONE_COMPARISON = re.compile(r'[ \t]*(username|externalid)[ \t]+(eq|sw)[ \t]+"([^"]*)"[ \t]*', re.IGNORECASE)


def one_comparison(filter_text) -> tuple[str, str, str] | None:
    """(field, "eq" or "sw", value as the translator compares it) when the filter is exactly `userName eq`,
    `externalId eq` or `userName sw` with a quoted value: ("user_name", op, value lower-cased) or
    ("external_id", "eq", value). None for anything else (or anything odd, which the translator then
    refuses with its own words)."""
    match = _ONE_COMPARISON.fullmatch(filter_text) if isinstance(filter_text, str) else None
    if match is None or len(filter_text) > MAX_FILTER_LENGTH or "\x00" in filter_text or _SURROGATE.search(filter_text):
        return None
    attribute, operator, value = match[1].lower(), match[2].lower(), match[3]
    if attribute == "username":
        return "user_name", operator, value.lower()
    return ("external_id", "eq", value) if operator == "eq" else None


class StrictUserFilterTranspiler(Transpiler):
    """Also serves Groups: `attributes` is the explicit map for the resource type being filtered.

    Its own walk of the tree (not the stock visitor's): `within` is the value path being read
    (emails[...]), whose comparisons are on one row of that table, inside one EXISTS.
    """

    def __init__(self, attributes=None):
        self.attributes = ATTRIBUTES if attributes is None else attributes
        super().__init__({key: path for key, (path, _kind) in self.attributes.items()})

    def transpile(self, tree) -> Q:
        return self._q(tree, None)

    def _target(self, attr_path, within) -> tuple[str, str]:
        if not isinstance(attr_path.attr_name, str):
            raise invalid_filter("A value path may not contain another value path.")
        name, sub = attr_path.attr_name.lower(), attr_path.sub_attr.value.lower() if attr_path.sub_attr else None
        uri = attr_path.uri.lower() if attr_path.uri else None
        if within is not None:  # emails[type eq "work"]: `type` is emails.type
            if sub is not None:
                raise invalid_filter(f"Inside {within[0]}[...] name its sub-attributes alone.")
            name, sub, uri = within[0], name, within[1] if uri is None else uri
        target = self.attributes.get((name, sub, uri))
        if target is None:
            shown = ".".join(part for part in (attr_path.uri, attr_path.attr_name, sub) if part)
            raise invalid_filter(f"Filtering on {shown} is not supported.")
        return target

    def _q(self, node, within) -> Q:
        if isinstance(node, scim_ast.Filter):
            if node.namespace is not None:  # a value path: emails[...]
                query = self._value_path(node.namespace, node.expr, within)
            else:
                query = self._q(node.expr, within)
            return ~query if node.negated else query
        if isinstance(node, scim_ast.LogExpr):
            left, right = self._q(node.expr1, within), self._q(node.expr2, within)
            return left & right if node.op.upper() == "AND" else left | right
        if isinstance(node, scim_ast.AttrExpr):
            if isinstance(node.attr_path.attr_name, scim_ast.Filter):
                # emails[type eq "work"].value eq "x": the bracket filter AND the comparison, on one row.
                inner = node.attr_path.attr_name
                return self._value_path(inner.namespace, inner.expr, within, also=node)
            path, kind = self._target(node.attr_path, within)
            relation, _, field = path.partition("__")
            if relation in RELATIONS and field:
                if within is not None:
                    return self._comparison(field, kind, node)
                # emails.type ne "home": no e-mail of type home (NOT EXISTS), as before issue 12.
                negated = node.value.lower() == "ne"
                exists = self._exists(relation, self._comparison(field, kind, node, positive=negated))
                return ~exists if negated else exists
            return self._comparison(path, kind, node)
        raise invalid_filter("The filter could not be evaluated.")

    def _value_path(self, namespace, expr, within, also=None) -> Q:
        if within is not None or not isinstance(namespace.attr_name, str):
            raise invalid_filter("A value path may not contain another value path.")
        name, uri = namespace.attr_name.lower(), namespace.uri.lower() if namespace.uri else None
        path, _kind = self._target(scim_ast.AttrPath(namespace.attr_name, None, namespace.uri), None)
        relation = path.partition("__")[0]
        if relation not in RELATIONS:
            raise invalid_filter(f"{namespace.attr_name} is not multi-valued, so it takes no [filter].")
        condition = self._q(expr, (name, uri))
        if also is not None:
            sub = namespace.sub_attr.value if namespace.sub_attr else None
            if sub is None:
                raise invalid_filter("Compare a sub-attribute after a value path: emails[...].value eq ...")
            field_path, kind = self._target(scim_ast.AttrPath(sub, None, None), (name, uri))
            condition &= self._comparison(field_path.partition("__")[2], kind, also)
        return self._exists(relation, condition)

    @staticmethod
    def _exists(relation: str, condition: Q) -> Q:
        model, owner = RELATIONS[relation]
        # Correlated on the owner and its org, so the subquery is bounded by the outer row's org too.
        rows = model._base_manager.filter(**{owner: OuterRef("pk")}, org_id=OuterRef("org_id")).filter(condition)
        return Q(Exists(rows))

    def _comparison(self, path: str, kind: str, node, positive: bool = False) -> Q:
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
        elif lookup == "istartswith":
            # lower(col) LIKE 'value%': the (org, lower(user_name) text_pattern_ops) index serves the prefix.
            query = Q(StartsWith(Lower(path), value.lower()))
        else:
            query = Q(**{f"{path}__{lookup}": value})
        return ~query if operator == "ne" and not positive else query


def _check_bounds(filter_text) -> None:
    """Refuse, before parsing, a filter too long, too deep or with too many comparisons."""
    if not isinstance(filter_text, str):
        raise invalid_filter("filter must be a string.")
    if len(filter_text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    if "\x00" in filter_text or _SURROGATE.search(filter_text):
        raise invalid_filter("The filter contains a NUL or a lone UTF-16 surrogate.")
    depth = comparisons = 0
    try:
        for token in SCIMLexer().tokenize(filter_text):
            if token.type in ("LPAREN", "LBRACKET"):
                depth += 1
                if depth > MAX_FILTER_NESTING:
                    raise invalid_filter(f"The filter nests deeper than {MAX_FILTER_NESTING} levels.")
            elif token.type in ("RPAREN", "RBRACKET"):
                depth -= 1
            elif token.type in _COMPARISON_TOKENS:
                comparisons += 1
                if comparisons > MAX_FILTER_COMPARISONS:
                    raise invalid_filter(f"The filter has more than {MAX_FILTER_COMPARISONS} comparisons.")
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise invalid_filter(f"The filter could not be parsed: {error}") from None


def user_filter_q(filter_text: str, attributes: dict | None = None) -> Q:
    """The Q for a SCIM filter on Users (or on the resource `attributes` maps); raises ScimError(400
    invalidFilter) when it can't be exact or is out of bounds."""
    _check_bounds(filter_text)
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
