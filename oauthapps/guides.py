"""Console setup guides: Okta and Microsoft Entra ID, step by step, with this org's URLs and client ID.

The guides name the IdPs' own screens and fields so an admin can follow them side by side with the IdP.
"""

from __future__ import annotations

from django.http import Http404

from tenants.console import render_page
from tenants.console_site import console_site

from urllib.parse import urlsplit

from . import scopes, selectors
from .models import Application, is_loopback_http

# Guide slug -> (title, template, the grant type whose apps the guide can be filled with, or None).
GUIDES = {
    "okta-authorization-code": ("Okta: OAuth 2 (authorization code)", "console/guides/okta_authorization_code.html",
                                Application.GRANT_AUTHORIZATION_CODE),
    "okta-bearer-token": ("Okta: HTTP Header (SCIM bearer token)", "console/guides/okta_bearer_token.html", None),
    "entra": ("Microsoft Entra ID: OAuth 2 client credentials", "console/guides/entra.html",
              Application.GRANT_CLIENT_CREDENTIALS),
}


def guide_index(request):
    return render_page(request, "console/guides/index.html", "Setup guides",
                       guides=[(slug, title) for slug, (title, _template, _grant) in GUIDES.items()])


def guide(request, slug):
    from .console import endpoint_urls  # the console module imports this one to register the pages

    try:
        title, template, grant_type = GUIDES[slug]
    except KeyError:
        raise Http404("No such guide.")
    applications = []
    application = None
    if grant_type:
        applications = list(selectors.org_applications(org=request.org, grant_type=grant_type))
        chosen = request.GET.get("app")
        # The app picked in the query string, else the newest one that can provision (most orgs have
        # exactly one per IdP), else the newest.
        application = next(
            (app for app in applications if app.client_id == chosen),
            next((app for app in applications if not scopes.missing_for_provisioning(app.allowed_scopes)),
                 applications[0] if applications else None))
    return render_page(request, template, title, slug=slug, applications=applications, application=application,
                       missing_scopes=scopes.missing_for_provisioning(application.allowed_scopes) if application else [],
                       redirect_warning=_okta_redirect_warning(application) if slug == "okta-authorization-code" else "",
                       **endpoint_urls())


# Where Okta's OAuth 2 provisioning sends the consent answer: the org's admin host on one of Okta's domains.
OKTA_HOST_SUFFIXES = (".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com", ".okta.mil")


def _okta_redirect_warning(application: Application | None) -> str:
    """Why the app's stored redirect URL won't work with Okta, if it won't (empty when it looks like Okta's)."""
    if application is None:
        return ""
    url = application.redirect_uris.strip()
    host = (urlsplit(url).hostname or "").lower()
    if is_loopback_http(url):
        return (f"{application.name}'s redirect URL {url} is a loopback address: it works for a local demo only, "
                "Okta can't use it.")
    if not host.endswith(OKTA_HOST_SUFFIXES):
        return (f"{application.name}'s redirect URL {url} is not an Okta address. Okta shows the redirect URL to "
                "use (on your Okta admin host, e.g. https://acme-admin.okta.com/...) when you choose OAuth 2.")
    return ""


console_site.register_page("guides/", guide_index, name="guides", nav_label="Setup guides", nav_order=85)
console_site.register_page("guides/<slug:slug>/", guide, name="guide")
