"""Group <-> SCIM Group JSON (RFC 7643 §4.2), and PATCH operations on a group as set operations.

A PATCH on a group is not applied to its JSON (as a user's is, scim.protocol.patch): with 50,000 members that
would read and rewrite them all. Each operation becomes one step on the membership set instead
(add / remove / remove all / replace) that scim.services.groups runs as one SQL statement. IdP shapes:
- Okta: rename as a path-less replace whose value repeats the group `id` (ignored, read-only);
  removal as `members[value eq "id"]`; additions as path `members` with [{value, display}];
  a full push replaces `members`, an empty group with `value: []`; several ops in one request.
- Entra: capitalised ops; `"$ref": null` inside member values; its default job removes a member
  with op Remove, path `members` and a value list: only the listed members go (RFC 7644 would
  remove all; a remove of `members` with no value still does); group create lists an extra
  ADSCIM schema URN and sends `meta`.
"""

from __future__ import annotations

import re

from django_scim.constants import SchemaURI
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from scim.models import Group
from scim.values import GroupValues, MemberStep

from ..errors import invalid_path, invalid_value
from ..locations import group_location, scim_base_url, user_location
from ..patch import patch_operations
from .attributes import as_string, lowered, resource_meta

GROUP_READ_ONLY = {"id", "meta", "schemas"}
_MEMBERS_FILTER_PATH = re.compile(r"^members\[(?P<filter>.+)\]$", re.IGNORECASE)


def member_ids_from_scim(value, attribute: str = "members") -> list[str]:
    """[{"value": "US...", "display": ..., "$ref": null}] -> the user ids, in order, without repeats."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid_value(f"{attribute} must be a list of objects with a value.")
    ids = []
    for item in value:
        item = lowered(item) if isinstance(item, dict) else None
        if item is None or not isinstance(item.get("value"), str) or not item["value"].strip():
            raise invalid_value(f"Every entry of {attribute} needs a value: the SCIM id of a user.")
        if item.get("type") not in (None, "", "User", "user"):
            raise invalid_value("Only users can be members; nested groups are not supported.")
        ids.append(item["value"].strip())
    return list(dict.fromkeys(ids))


def _display_name(value) -> str:
    name = as_string(value, "displayName")
    if not name:
        raise invalid_value("displayName is required.")
    return name


def group_values_from_scim(data) -> GroupValues:
    """A full Group (POST or PUT body); read-only attributes (id, meta) and unknown ones are ignored."""
    if not isinstance(data, dict):
        raise invalid_value("The request body must be a JSON object.")
    data = lowered(data)
    values = GroupValues()
    values.fields["display_name"] = _display_name(data.get("displayname"))
    values.fields["external_id"] = as_string(data.get("externalid"), "externalId") or None
    values.member_ids = member_ids_from_scim(data.get("members"))
    return values


def _ids_in_members_filter(text: str) -> list[str]:
    """`value eq "a" or value eq "b"` -> ["a", "b"]; any other filter is refused, never widened."""
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception:
        raise invalid_path(f"The filter [{text}] in the path could not be parsed.") from None

    def walk(node) -> list[str]:
        if isinstance(node, scim_ast.Filter) and not node.negated:
            return walk(node.expr)
        if isinstance(node, scim_ast.LogExpr) and node.op.lower() == "or":
            return walk(node.expr1) + walk(node.expr2)
        if (isinstance(node, scim_ast.AttrExpr) and node.value.lower() == "eq"
                and isinstance(node.attr_path.attr_name, str) and node.attr_path.attr_name.lower() == "value"
                and node.attr_path.sub_attr is None and node.comp_value is not None
                and isinstance(node.comp_value.value, str)):
            return [node.comp_value.value]
        raise invalid_path('A members filter in a PATCH path is value eq "<user id>" (joined with or).')

    return walk(tree)


def _attribute_step(name: str, path_attribute: str, value, fields: dict, steps: list[MemberStep]) -> None:
    """An add/replace/remove of one top-level attribute, from a path or a key of a path-less value."""
    attribute = path_attribute.lower()
    if attribute.startswith(SchemaURI.GROUP.lower() + ":"):
        attribute = attribute.rpartition(":")[2]
    if attribute in GROUP_READ_ONLY:
        return  # Okta repeats the group id in its rename; RFC 7644 §3.5.2 lets servers ignore it.
    if attribute == "members":
        if name == "remove":
            # Entra's default job: path "members" with a value list removes exactly those.
            steps.append(MemberStep("remove", member_ids_from_scim(value)) if value not in (None, [])
                         else MemberStep("remove_all"))
        else:
            steps.append(MemberStep("add" if name == "add" else "replace", member_ids_from_scim(value)))
    elif attribute == "displayname":
        if name == "remove":
            raise invalid_value("displayName is required and cannot be removed.")
        fields["display_name"] = _display_name(value)
    elif attribute == "externalid":
        fields["external_id"] = None if name == "remove" else (as_string(value, "externalId") or None)
    else:
        raise invalid_path(f"{path_attribute} is not an attribute of a Group that can be changed.")


def group_patch_steps(body) -> tuple[dict, list[MemberStep]]:
    """The field changes and member set operations a PATCH body asks for, in order (RFC 7644 §3.5.2)."""
    fields: dict = {}
    steps: list[MemberStep] = []
    for name, path, value in patch_operations(body):
        if not path:
            if name == "remove" or not isinstance(value, dict):
                raise invalid_value(f"An {name} without a path needs an object value.")
            for key, member_value in value.items():
                _attribute_step(name, key, member_value, fields, steps)
            continue
        filtered = _MEMBERS_FILTER_PATH.match(path)
        if filtered:
            if name != "remove":
                raise invalid_path("A members[...] path is only supported for remove.")
            steps.append(MemberStep("remove", _ids_in_members_filter(filtered["filter"])))
            continue
        _attribute_step(name, path, value, fields, steps)
    return fields, steps


def member_to_scim(public_id: str, display: str, base: str) -> dict:
    return {"value": public_id, "display": display, "$ref": user_location(public_id, base), "type": "User"}


def group_to_scim(group: Group, members: list[dict] | None = None, base: str | None = None) -> dict:
    """The Group without `members` when members is None (the caller streams them, or they're excluded)."""
    resource = {"schemas": [SchemaURI.GROUP], "id": group.public_id, "displayName": group.display_name}
    if group.external_id:
        resource["externalId"] = group.external_id
    if members is not None:
        resource["members"] = members
    resource["meta"] = resource_meta("Group", group, group_location(group.public_id, base or scim_base_url()))
    return resource
