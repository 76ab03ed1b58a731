"""PATCH (RFC 7644 §3.5.2) applied to a user's SCIM JSON; the result is saved like a PUT.

Working on the JSON makes PATCH all-or-nothing for free: nothing is written until every operation
has applied and the result has passed the same validation as a PUT. IdP shapes handled:
- Entra: capitalised ops ("Replace", "Add"); `active` as "True"/"False"; a path-less replace whose
  value keys are paths ("name.givenName", "urn:...:enterprise:2.0:User:employeeNumber");
  `emails[type eq "work"].value` for a user with no work e-mail yet (adds one); `manager` with no URN
  prefix and a one-item list as its value (tutorial Example 5).
- Okta: a path-less replace with value {"active": false} to deactivate.
"""

from __future__ import annotations

import copy
import re

from django_scim.constants import SchemaURI
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from .errors import invalid_path, invalid_syntax, invalid_value, no_target

ENTERPRISE = SchemaURI.ENTERPRISE_USER
ENTERPRISE_ATTRIBUTES = {"employeenumber", "costcenter", "organization", "division", "department", "manager"}
MULTI_VALUED = {"emails", "phonenumbers", "addresses"}
READ_ONLY = {"id", "meta", "groups", "schemas"}
_PATH = re.compile(r"^(?:(?P<uri>urn:[^\[\]]*):)?(?P<attr>[A-Za-z][\w$-]*)(?:\[(?P<filter>.+)\])?(?:\.(?P<sub>[A-Za-z][\w$-]*))?$")


def _key(container: dict, name: str) -> str:
    """The existing key spelled like `name` ignoring case, or `name` itself."""
    return next((key for key in container if key.lower() == name.lower()), name)


def _set(container: dict, name: str, value) -> None:
    key = _key(container, name)
    container.pop(key, None)
    container[key if key.lower() == name.lower() else name] = value


def _matches(element: dict, node) -> bool:
    if isinstance(node, scim_ast.Filter):
        result = _matches(element, node.expr)
        return not result if node.negated else result
    if isinstance(node, scim_ast.LogExpr):
        left, right = _matches(element, node.expr1), _matches(element, node.expr2)
        return (left and right) if node.op.lower() == "and" else (left or right)
    if isinstance(node, scim_ast.AttrExpr) and isinstance(node.attr_path.attr_name, str):
        actual = element.get(_key(element, node.attr_path.attr_name))
        operator = node.value.lower()
        if operator == "pr":
            return actual not in (None, "", [])
        raw = node.comp_value.value if node.comp_value else None
        expected = {"true": True, "false": False, "null": None}.get(raw, raw) if isinstance(raw, str) else raw
        if isinstance(actual, str) and isinstance(expected, str):
            actual, expected = actual.lower(), expected.lower()
            return {"eq": actual == expected, "ne": actual != expected, "co": expected in actual,
                    "sw": actual.startswith(expected), "ew": actual.endswith(expected)}.get(operator, False)
        return {"eq": actual == expected, "ne": actual != expected}.get(operator, False)
    raise invalid_path("This value filter is not supported in a PATCH path.")


def _parse_value_filter(text: str):
    try:
        return SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception:
        raise invalid_path(f"The filter [{text}] in the path could not be parsed.") from None


def _container(resource: dict, uri: str | None, attribute: str) -> dict:
    if uri is None and attribute.lower() in ENTERPRISE_ATTRIBUTES:
        uri = ENTERPRISE  # Entra's tutorial Example 5 sends "manager" without the URN.
    if uri is None or uri.lower() == SchemaURI.USER.lower():
        return resource
    if uri.lower() == ENTERPRISE.lower():
        existing = resource.get(_key(resource, ENTERPRISE))
        if not isinstance(existing, dict):
            existing = {}
            _set(resource, ENTERPRISE, existing)
        return existing
    raise invalid_path(f"The schema {uri} is not supported.")


def _merge(resource: dict, name: str, value, operation: str) -> None:
    """A path-less add/replace member, or a path naming a whole attribute."""
    current = resource.get(_key(resource, name))
    if name.lower() in MULTI_VALUED and operation == "add" and isinstance(current, list):
        _set(resource, name, current + (value if isinstance(value, list) else [value]))
    elif isinstance(current, dict) and isinstance(value, dict):
        merged = dict(current)
        for sub, sub_value in value.items():
            _set(merged, sub, sub_value)
        _set(resource, name, merged)
    else:
        _set(resource, name, value)


def _apply_path(resource: dict, operation: str, path: str, value) -> None:
    match = _PATH.match(path.strip())
    if not match:
        raise invalid_path(f"The path {path} is not a valid attribute path.")
    uri, attribute, value_filter, sub = match["uri"], match["attr"], match["filter"], match["sub"]
    if uri and uri.lower() == ENTERPRISE.rpartition(":")[0].lower() and attribute.lower() == "user":
        uri, attribute = None, ENTERPRISE  # the whole extension object
    if attribute.lower() in READ_ONLY:
        return  # Okta and Entra echo read-only attributes; RFC 7644 §3.5.2 lets servers ignore them.
    container = _container(resource, uri, attribute)
    if value_filter is None:
        if operation == "remove":
            if sub is None:
                container.pop(_key(container, attribute), None)
            else:
                current = container.get(_key(container, attribute))
                if isinstance(current, dict):
                    current.pop(_key(current, sub), None)
                elif isinstance(current, list):
                    for element in current:
                        if isinstance(element, dict):  # an earlier op may have added a non-object
                            element.pop(_key(element, sub), None)
            return
        if sub is None and (operation == "add" or isinstance(value, dict)):
            _merge(container, attribute, value, operation)
        elif sub is None:
            _set(container, attribute, value)
        else:
            current = container.get(_key(container, attribute))
            if not isinstance(current, dict):
                current = {}
            _set(current, sub, value)
            _set(container, attribute, current)
        return
    elements = container.get(_key(container, attribute))
    if attribute.lower() not in MULTI_VALUED:
        raise invalid_path(f"{attribute} is not multi-valued, so it takes no [filter].")
    elements = [dict(element) for element in (elements or []) if isinstance(element, dict)]
    tree = _parse_value_filter(value_filter)
    matched = [element for element in elements if _matches(element, tree)]
    if operation == "remove":
        if sub is None:
            elements = [element for element in elements if element not in matched]
        else:
            for element in matched:
                element.pop(_key(element, sub), None)
    elif not matched:
        new_element = _element_from_equality_filter(tree)
        if new_element is None:
            raise no_target(f"No {attribute} matches [{value_filter}].")
        if sub is None and isinstance(value, dict):
            new_element.update(value)
        elif sub is not None:
            new_element[sub] = value
        else:
            raise invalid_value(f"The value for {path} must be an object.")
        elements.append(new_element)
    else:
        for element in matched:
            if sub is None:
                if not isinstance(value, dict):
                    raise invalid_value(f"The value for {path} must be an object.")
                for key, sub_value in value.items():
                    _set(element, key, sub_value)
            else:
                _set(element, sub, value)
    _set(container, attribute, elements)


def _element_from_equality_filter(tree) -> dict | None:
    """For `emails[type eq "work"]` with no work e-mail yet, the element the filter describes."""
    node = tree.expr if isinstance(tree, scim_ast.Filter) and not tree.negated else tree
    if (isinstance(node, scim_ast.AttrExpr) and node.value.lower() == "eq"
            and isinstance(node.attr_path.attr_name, str) and node.comp_value is not None):
        return {node.attr_path.attr_name: node.comp_value.value}
    return None


def patch_operations(body):
    """(op lower-cased, path, value) of each operation of a PatchOp body, checked for shape only.

    Entra capitalises ops ("Replace"); keys match case-insensitively. An op naming a path but no
    value (other than remove) is refused here, for users and groups alike.
    """
    if not isinstance(body, dict):
        raise invalid_syntax("A PATCH body must be a JSON object.")
    body = {key.lower(): value for key, value in body.items()}
    operations = body.get("operations")
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("A PATCH body needs a non-empty Operations list.")
    checked = []
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid_syntax("Each operation must be an object.")
        operation = {key.lower(): value for key, value in operation.items()}
        name = str(operation.get("op", "")).lower()
        if name not in ("add", "replace", "remove"):
            raise invalid_syntax(f"Unknown PATCH op {operation.get('op')!r}; use add, replace or remove.")
        path, value = operation.get("path"), operation.get("value")
        if path is not None and not isinstance(path, str):
            raise invalid_path("path must be a string.")
        path = (path or "").strip()
        if path and name != "remove" and "value" not in operation:
            raise invalid_value(f"The {name} of {path} needs a value.")
        checked.append((name, path, value))
    return checked


def apply_patch(resource: dict, body) -> dict:
    """The resource after every operation in `body`; raises ScimError and changes nothing on error."""
    result = copy.deepcopy(resource)
    for name, path, value in patch_operations(body):
        if name == "remove" and not path:
            raise no_target("A remove operation needs a path.")
        if path:
            _apply_path(result, name, path, value)
            continue
        if not isinstance(value, dict):
            raise invalid_value(f"An {name} without a path needs an object value.")
        for key, member_value in value.items():
            if key.lower().startswith("urn:") and key.lower() != ENTERPRISE.lower() or "." in key or "[" in key:
                _apply_path(result, name, key, member_value)  # Entra: value keys that are paths
            elif key.lower() in READ_ONLY:
                continue
            else:
                _merge(result, key, member_value, name)
    return result
