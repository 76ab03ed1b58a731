from django.urls import path, re_path

from . import bulk, group_views, views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", views.ServiceProviderConfigView.as_view(), name="service_provider_config"),
    path("Schemas", views.SchemasView.as_view(), name="schemas"),
    re_path(r"^Schemas/(?P<document_id>[^/]+)$", views.SchemasView.as_view(), name="schema"),
    path("ResourceTypes", views.ResourceTypesView.as_view(), name="resource_types"),
    path("ResourceTypes/<str:document_id>", views.ResourceTypesView.as_view(), name="resource_type"),
    path("Users", views.UsersView.as_view(), name="users"),
    path("Users/.search", views.UserSearchView.as_view(), name="users_search"),
    path("Users/<str:user_id>", views.UserDetailView.as_view(), name="user"),
    path("Bulk", bulk.BulkView.as_view(), name="bulk"),
    path("Groups", group_views.GroupsView.as_view(), name="groups"),
    path("Groups/.search", group_views.GroupSearchView.as_view(), name="groups_search"),
    path("Groups/<str:group_id>", group_views.GroupDetailView.as_view(), name="group"),
    path(".search", views.RootSearchView.as_view(), name="root_search"),
    re_path(r"^.*$", views.UnknownEndpointView.as_view(), name="unknown"),
]
