"""SCIM /Groups endpoints on the base ScimView (scim.views): authentication, org scope, errors, the log.

A group's GET streams its members (50,000 of them stay one response that starts at once), and a
PATCH answers 204 without reading the member list back unless the request asks for attributes
(Entra expects 204; RFC 7644 §3.5.2 allows either).
"""

from __future__ import annotations

import json

from django.http import HttpResponse, StreamingHttpResponse

from tenants.scoping import org_scope

from . import group_selectors, group_services, schemas
from .adapters import project
from .errors import SCIM_CONTENT_TYPE, scim_json_response
from .filters import GROUP_ATTRIBUTES, group_filter_q, user_ordering
from .group_adapters import group_location, group_patch_steps, group_to_scim, group_values_from_scim, member_to_scim
from .views import ScimView, SearchRequestMixin, _attribute_list, _integer, check_if_match, empty_response, not_modified

_MEMBER_TEMPLATE = {"value": "", "display": "", "$ref": "", "type": ""}


def _projection(request_params) -> tuple[list[str], list[str]]:
    return _attribute_list(request_params.get("attributes")), _attribute_list(request_params.get("excludedAttributes"))


def _project_group(group, attributes, excluded, members=None) -> tuple[dict, list[str] | None]:
    """The projected resource without members, and the member sub-attributes to emit (None: no members)."""
    projected = project(group_to_scim(group, members=[_MEMBER_TEMPLATE]), attributes, excluded)
    template = projected.pop("members", None)
    member_keys = list(template[0]) if template else None
    return projected, member_keys


def _member_json(public_id, display, keys) -> dict:
    member = member_to_scim(public_id, display)
    return {key: member[key] for key in keys}


def group_stream_response(org, group, attributes, excluded, status=200, headers=None):
    """The Group's JSON with `members` generated row by row from a server-side cursor.

    The generator runs after the view has returned (and left org_scope), so it enters the scope again.
    """
    resource, member_keys = _project_group(group, attributes, excluded)
    if member_keys is None:
        return scim_json_response(resource, status=status, headers={"ETag": group.etag, **(headers or {})})
    head = json.dumps(resource)[:-1] + (", " if len(resource) else "") + '"members": ['

    def body():
        yield head.encode()
        with org_scope(org):
            separator = ""
            for public_id, display in group_selectors.member_rows(group):
                yield (separator + json.dumps(_member_json(public_id, display, member_keys))).encode()
                separator = ", "
        yield b"]}"

    response = StreamingHttpResponse(body(), status=status, content_type=SCIM_CONTENT_TYPE)
    for key, value in {"ETag": group.etag, **(headers or {})}.items():
        response[key] = value
    return response


class GroupsView(ScimView):
    operations = {"GET": "list", "POST": "create"}

    def get(self, request):
        return self.search(request.GET)

    def post(self, request):
        values = group_values_from_scim(self.json_body())
        group = group_services.create_group(org=self.principal.org, values=values)
        self.touched_group_id = group.public_id
        attributes, excluded = _projection(request.GET)
        return group_stream_response(self.principal.org, group, attributes, excluded, status=201,
                                     headers={"Location": group_location(group)})

    def search(self, params):
        filter_text = params.get("filter")
        condition = group_filter_q(filter_text) if filter_text not in (None, "") else None
        start_index = max(_integer(params.get("startIndex"), "startIndex", 1), 1)
        count = min(max(_integer(params.get("count"), "count", schemas.DEFAULT_COUNT), 0), schemas.MAX_RESULTS)
        ordering = user_ordering(params.get("sortBy"), params.get("sortOrder"), GROUP_ATTRIBUTES)
        total, groups = group_selectors.groups_page(condition=condition, ordering=ordering,
                                                    start_index=start_index, count=count)
        attributes, excluded = _projection(params)
        resources = []
        members = None
        for group in groups:
            resource, member_keys = _project_group(group, attributes, excluded)
            if member_keys is not None:
                if members is None:  # one query for the whole page, and only when members are wanted
                    members = group_selectors.members_by_group([g.pk for g in groups])
                resource["members"] = [_member_json(public_id, display, member_keys)
                                       for public_id, display in members.get(group.pk, [])]
            resources.append(resource)
        return scim_json_response(schemas.list_response(resources, total=total, start_index=start_index))


class GroupSearchView(SearchRequestMixin, GroupsView):
    pass


class GroupDetailView(ScimView):
    operations = {"GET": "read", "PUT": "update", "PATCH": "update", "DELETE": "delete"}

    def load(self, group_id):
        group = group_selectors.group_by_public_id(group_id)
        self.touched_group_id = group.public_id
        check_if_match(self.request, group, "group")
        return group

    def respond(self, group, status=200):
        attributes, excluded = _projection(self.request.GET)
        return group_stream_response(self.principal.org, group, attributes, excluded, status=status)

    def get(self, request, group_id):
        group = self.load(group_id)
        return not_modified(request, group) or self.respond(group)

    def put(self, request, group_id):
        values = group_values_from_scim(self.json_body())
        group = group_services.replace_group(org=self.principal.org, group=self.load(group_id), values=values)
        return self.respond(group)

    def patch(self, request, group_id):
        fields, steps = group_patch_steps(self.json_body())
        group = group_services.patch_group(org=self.principal.org, group=self.load(group_id), fields=fields,
                                           steps=steps)
        if _attribute_list(request.GET.get("attributes")):
            return self.respond(group)
        return empty_response(group, 204)  # never re-serialises the member list unless asked

    def delete(self, request, group_id):
        group_services.delete_group(org=self.principal.org, group=self.load(group_id))
        return HttpResponse(status=204)
