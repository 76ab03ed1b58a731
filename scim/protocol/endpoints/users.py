"""/Users: list and search, create, and one user's read, replace (PUT), PATCH and delete."""

from __future__ import annotations

from collections.abc import Mapping

from scim import selectors
from scim.models import ScimUser
from scim.services import users as services

from ..filters import one_comparison, user_ordering
from ..locations import scim_base_url, user_location
from ..patch import apply_patch
from ..resources.attributes import project
from ..resources.users import user_to_scim, user_values_from_scim
from .base import (
    Endpoint,
    ScimRequest,
    ScimResult,
    SearchEndpoint,
    attribute_list,
    list_query,
    list_response,
    not_modified,
    page_bounds,
    projection,
)


def user_result(user: ScimUser, params: Mapping, status: int = 200, headers: dict | None = None,
                base: str | None = None) -> ScimResult:
    """The user as its resource, projected as the request asks, with its ETag."""
    resource = project(user_to_scim(user, base), *projection(params))
    return ScimResult(status, resource, {"ETag": user.etag, **(headers or {})})


class UserCollection(Endpoint):
    operations = {"GET": "list", "POST": "create"}

    def get(self, request: ScimRequest) -> ScimResult:
        return self.search(request, request.params)

    def post(self, request: ScimRequest) -> ScimResult:
        values = user_values_from_scim(request.json())
        # The service returns the row with its e-mails and (no) groups: rendering it reads nothing.
        user = services.scim_user_create(org=request.org, actor=request.actor, values=values)
        request.user_id = user.public_id
        base = scim_base_url()
        return user_result(user, request.params, status=201, headers={"Location": user_location(user.public_id, base)},
                           base=base)

    def search(self, request: ScimRequest, params: Mapping) -> ScimResult:
        start_index, total, users = self._page(request, params)
        attributes, excluded = projection(params)
        base = scim_base_url()
        resources = [user_to_scim(user, base) for user in users]
        if attributes or excluded:
            resources = [project(resource, attributes, excluded) for resource in resources]
        return ScimResult(200, list_response(resources, total=total, start_index=start_index))

    def _page(self, request: ScimRequest, params: Mapping) -> tuple[int, int, list[ScimUser]]:
        """(startIndex, totalResults, the page). The IdPs' lookup before a create (at most one user, by the
        org's unique constraints) and a userName prefix from the first page take prepared queries."""
        comparison = one_comparison(params.get("filter"))
        if comparison is not None:
            field, operator, value = comparison
            start_index, count = page_bounds(params)
            in_id_order = user_ordering(params.get("sortBy"), params.get("sortOrder")) == ["id"]  # or refused
            if operator == "eq":
                matches = selectors.scim_users_equal(org=request.org, field=field, value=value)
                return start_index, len(matches), matches[start_index - 1:start_index - 1 + count]
            if start_index == 1 and count > 0 and in_id_order:
                return (start_index, *selectors.scim_users_starting_with(org=request.org, prefix=value, count=count))
        query = list_query(params)
        return (query["start_index"], *selectors.scim_users_page(org=request.org, **query))


class UserSearch(SearchEndpoint, UserCollection):
    pass


class UserResource(Endpoint):
    operations = {"GET": "read", "PUT": "update", "PATCH": "update", "DELETE": "delete"}

    def get(self, request: ScimRequest) -> ScimResult:
        user = selectors.scim_user_get(org=request.org, public_id=request.kwargs["user_id"])
        request.user_id = user.public_id
        return not_modified(request, user) or user_result(user, request.params)

    def put(self, request: ScimRequest) -> ScimResult:
        body = request.json()
        request.user_id = request.kwargs["user_id"]
        user = services.scim_user_replace(org=request.org, actor=request.actor, public_id=request.user_id,
                                          values=user_values_from_scim(body), if_match=request.if_match)
        return user_result(selectors.scim_user_get(org=request.org, public_id=user.public_id), request.params)

    def patch(self, request: ScimRequest) -> ScimResult:
        body = request.json()
        request.user_id = request.kwargs["user_id"]

        def patched_values(locked: ScimUser):
            # Applied to the row the service has locked: the PATCH sees the state it changes.
            return user_values_from_scim(apply_patch(user_to_scim(locked), body), active_when_absent=None)

        user = services.scim_user_update(org=request.org, actor=request.actor, public_id=request.user_id,
                                         change=patched_values, if_match=request.if_match)
        if "attributes" in request.params and not attribute_list(request.params.get("attributes")):
            return ScimResult(204, headers={"ETag": user.etag})
        # The row as written, e-mails included, groups as read under its lock: rendering it reads nothing.
        return user_result(user, request.params)

    def delete(self, request: ScimRequest) -> ScimResult:
        request.user_id = request.kwargs["user_id"]
        services.scim_user_delete(org=request.org, actor=request.actor, public_id=request.user_id,
                                  if_match=request.if_match)
        return ScimResult(204)
