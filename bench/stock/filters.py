"""The peer's user filter parser (USER_FILTER_PARSER). Its own module: django_scim.adapters reads the
parsers' attr_map while it is being imported, so they cannot live beside the adapters."""

from django_scim.filters import UserFilterQuery


class BenchUserFilterQuery(UserFilterQuery):
    # Stock maps no externalId: `externalId eq "..."` would match nobody and answer an empty 200.
    attr_map = {**UserFilterQuery.attr_map, ("externalId", None, None): "scim_external_id"}
