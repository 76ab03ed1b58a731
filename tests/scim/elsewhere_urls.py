"""The project's urlconf with the SCIM root mounted somewhere else, to show no URL assumes /scim/v2."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *(pattern for pattern in project_urlpatterns if str(pattern.pattern) != "scim/v2/"),
    path("directory/scim/", include("scim.protocol.urls")),
]
