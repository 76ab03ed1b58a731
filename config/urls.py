from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from scim.protocol.views import UnknownEndpointView
from tenants.console_site import console_site

admin.site.site_header = "Identity admin (staff)"
admin.site.site_title = "Identity admin"

handler500 = "config.errors.server_error"



def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says."""
    return redirect(static("console/favicon.ico"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("", RedirectView.as_view(pattern_name="console:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("console/", console_site.urls),
    path("accounts/", include("accounts.urls")),
    # The name Django admin's sign-in page looks up to show its "Forgotten your login credentials?" link.
    path("forgot-password/", RedirectView.as_view(pattern_name="accounts:password_reset"), name="admin_password_reset"),
    path("", include("oauthapps.urls")),
    path("scim/v2/", include("scim.protocol.urls")),
    path("api/v1/", include("api.urls")),
    # The SCIM root without its slash: a SCIM 404, not CommonMiddleware's APPEND_SLASH redirect (a POST
    # can't follow one).
    path("scim/v2", UnknownEndpointView.as_view()),
]
