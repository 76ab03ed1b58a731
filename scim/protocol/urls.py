"""The SCIM root's endpoints (mounted by config/urls.py). Bulk resolves its operations' paths
against this module, so each name here is both an HTTP route and a Bulk target."""

from django.urls import path, re_path

from .endpoints import bulk, discovery, groups, users
from .views import ScimView, UnknownEndpointView

app_name = "scim"

urlpatterns = [
    # The root itself has no endpoint; it is named so that resource URLs can be reverse()d from it.
    path("", UnknownEndpointView.as_view(), name="root"),
    path("ServiceProviderConfig", ScimView.as_view(endpoint=discovery.ServiceProviderConfig()),
         name="service_provider_config"),
    path("Schemas", ScimView.as_view(endpoint=discovery.Schemas()), name="schemas"),
    re_path(r"^Schemas/(?P<document_id>[^/]+)$", ScimView.as_view(endpoint=discovery.Schemas()), name="schema"),
    path("ResourceTypes", ScimView.as_view(endpoint=discovery.ResourceTypes()), name="resource_types"),
    path("ResourceTypes/<str:document_id>", ScimView.as_view(endpoint=discovery.ResourceTypes()),
         name="resource_type"),
    path("Users", ScimView.as_view(endpoint=users.UserCollection()), name="users"),
    path("Users/.search", ScimView.as_view(endpoint=users.UserSearch()), name="users_search"),
    path("Users/<str:user_id>", ScimView.as_view(endpoint=users.UserResource()), name="user"),
    path("Bulk", ScimView.as_view(endpoint=bulk.Bulk()), name="bulk"),
    path("Groups", ScimView.as_view(endpoint=groups.GroupCollection()), name="groups"),
    path("Groups/.search", ScimView.as_view(endpoint=groups.GroupSearch()), name="groups_search"),
    path("Groups/<str:group_id>", ScimView.as_view(endpoint=groups.GroupResource()), name="group"),
    path(".search", ScimView.as_view(endpoint=discovery.RootSearch()), name="root_search"),
    re_path(r"^.*$", UnknownEndpointView.as_view(), name="unknown"),
]
