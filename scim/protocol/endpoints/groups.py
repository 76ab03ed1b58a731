"""/Groups: list and search, create, and one group's read, replace (PUT), PATCH and delete.

A group's GET streams its members (50,000 of them stay one response that starts at once), and a
PATCH answers 204 without reading the member list back unless the request asks for attributes
(Entra expects 204; RFC 7644 §3.5.2 allows either).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as encode_string

from scim import selectors
from scim.models import Group
from scim.services import groups as services

from ..filters import GROUP_ATTRIBUTES
from ..locations import group_location, scim_base_url
from ..resources.attributes import project
from ..resources.groups import group_patch_steps, group_to_scim, group_values_from_scim, member_to_scim
from .base import (
    Endpoint,
    ScimRequest,
    ScimResult,
    SearchEndpoint,
    attribute_list,
    list_query,
    list_response,
    not_modified,
    projection,
)

_MEMBER_TEMPLATE = {"value": "", "display": "", "$ref": "", "type": ""}
_ALL_MEMBER_KEYS = list(_MEMBER_TEMPLATE)  # member_to_scim's keys, in its order


def _project_group(group: Group, attributes, excluded, base: str) -> tuple[dict, list[str] | None]:
    """The projected resource without members, and the member sub-attributes to emit (None: no members)."""
    projected = project(group_to_scim(group, members=[_MEMBER_TEMPLATE], base=base), attributes, excluded)
    template = projected.pop("members", None)
    member_keys = list(template[0]) if template else None
    return projected, member_keys


def _member_json(public_id: str, display: str, keys: list[str], base: str) -> dict:
    member = member_to_scim(public_id, display, base)
    return member if len(keys) == len(member) else {key: member[key] for key in keys}


def _members_text(rows: list[tuple[str, str]], keys: list[str], base: str) -> str:
    """Members as JSON array items (no brackets): byte for byte json.dumps([_member_json(...), ...])[1:-1].

    Every member with all its sub-attributes (the usual GET) is one f-string per member around the C
    string encoder that json.dumps itself uses: under half the time of building a dict per member and
    encoding the list (issue 14's 50,000-member group). A projection of member sub-attributes, rare,
    takes the general path."""
    if keys != _ALL_MEMBER_KEYS:
        return json.dumps([_member_json(public_id, display, keys, base) for public_id, display in rows])[1:-1]
    users = f"{base}/Users/"  # user_location(public_id, base)
    return ", ".join(f'{{"value": {encode_string(public_id)}, "display": {encode_string(display)}, '
                     f'"$ref": {encode_string(users + public_id)}, "type": "User"}}' for public_id, display in rows)


def group_result(request: ScimRequest, group: Group, status: int = 200, headers: dict | None = None) -> ScimResult:
    """The group's JSON with `members` generated a few thousand per piece, when asked for."""
    base = scim_base_url()
    resource, member_keys = _project_group(group, *projection(request.params), base)
    headers = {"ETag": group.etag, **(headers or {})}
    if member_keys is None:
        return ScimResult(status, resource, headers)
    head = json.dumps(resource)[:-1] + (", " if len(resource) else "") + '"members": ['
    org = request.org

    def body():
        # A piece per 2,000 members: a 50,000-member group is 25 writes to the socket, not 50,000.
        prefix = head
        for rows in selectors.group_member_chunks(org=org, group=group):
            yield (prefix + _members_text(rows, member_keys, base)).encode()
            prefix = ", "
        yield ((head if prefix is head else "") + "]}").encode()

    return ScimResult(status, headers=headers, stream=body())


class GroupCollection(Endpoint):
    operations = {"GET": "list", "POST": "create"}

    def get(self, request: ScimRequest) -> ScimResult:
        return self.search(request, request.params)

    def post(self, request: ScimRequest) -> ScimResult:
        values = group_values_from_scim(request.json())
        group = services.group_create(org=request.org, actor=request.actor, values=values)
        request.group_id = group.public_id
        return group_result(request, group, status=201, headers={"Location": group_location(group.public_id)})

    def search(self, request: ScimRequest, params: Mapping) -> ScimResult:
        query = list_query(params, GROUP_ATTRIBUTES)
        total, groups = selectors.groups_page(org=request.org, **query)
        attributes, excluded = projection(params)
        base = scim_base_url()
        resources = []
        members = None
        for group in groups:
            resource, member_keys = _project_group(group, attributes, excluded, base)
            if member_keys is not None:
                if members is None:  # one query for the whole page, and only when members are wanted
                    members = selectors.members_by_group(org=request.org, group_pks=[g.pk for g in groups])
                resource["members"] = [_member_json(public_id, display, member_keys, base)
                                       for public_id, display in members.get(group.pk, [])]
            resources.append(resource)
        return ScimResult(200, list_response(resources, total=total, start_index=query["start_index"]))


class GroupSearch(SearchEndpoint, GroupCollection):
    pass


class GroupResource(Endpoint):
    operations = {"GET": "read", "PUT": "update", "PATCH": "update", "DELETE": "delete"}

    def get(self, request: ScimRequest) -> ScimResult:
        group = selectors.group_get(org=request.org, public_id=request.kwargs["group_id"])
        request.group_id = group.public_id
        return not_modified(request, group) or group_result(request, group)

    def put(self, request: ScimRequest) -> ScimResult:
        values = group_values_from_scim(request.json())
        request.group_id = request.kwargs["group_id"]
        group = services.group_replace(org=request.org, actor=request.actor, public_id=request.group_id,
                                       values=values, if_match=request.if_match)
        return group_result(request, group)

    def patch(self, request: ScimRequest) -> ScimResult:
        fields, steps = group_patch_steps(request.json())
        request.group_id = request.kwargs["group_id"]
        group = services.group_update(org=request.org, actor=request.actor, public_id=request.group_id,
                                      fields=fields, steps=steps, if_match=request.if_match)
        if attribute_list(request.params.get("attributes")):
            return group_result(request, group)
        return ScimResult(204, headers={"ETag": group.etag})  # never re-serialises the member list unless asked

    def delete(self, request: ScimRequest) -> ScimResult:
        request.group_id = request.kwargs["group_id"]
        services.group_delete(org=request.org, actor=request.actor, public_id=request.group_id,
                              if_match=request.if_match)
        return ScimResult(204)
