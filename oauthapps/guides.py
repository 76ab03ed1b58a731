"""Console setup guides: Okta and Microsoft Entra ID, step by step, with this org's URLs and client ID.

The guides name the IdPs' own screens and fields so an admin can follow them side by side with the IdP.
"""

from __future__ import annotations

from django.http import Http404

from tenants.console import render_page
from tenants.console_site import console_site

from . import selectors
from .models import Application

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
        # The app picked in the query string, else the newest one: most orgs have exactly one per IdP.
        application = next((app for app in applications if app.client_id == chosen), applications[0] if applications else None)
    return render_page(request, template, title, slug=slug, applications=applications, application=application,
                       **endpoint_urls())


console_site.register_page("guides/", guide_index, name="guides", nav_label="Setup guides", nav_order=85)
console_site.register_page("guides/<slug:slug>/", guide, name="guide")
