# Named like django-oauth-toolkit's own URLs (namespace oauth2_provider) because its metadata view
# and RFC 9207 `iss` reverse them; only these four are mounted.
from django.urls import path

from . import views

app_name = "oauth2_provider"

urlpatterns = [
    path("oauth/v2/authorize", views.ConsentView.as_view(), name="authorize"),
    path("oauth/v2/token", views.TokenView.as_view(), name="token"),
    path("oauth/v2/revoke", views.RevokeTokenView.as_view(), name="revoke-token"),
    path(".well-known/oauth-authorization-server", views.ServerMetadataView.as_view(), name="oauth-server-metadata"),
]
