"""The OAuth apps' Overview card: where an IdP connects, and warnings about credentials about to stop working."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tenants.console_site import console_site

from . import selectors
from .models import Application

# A SCIM token this close to expiry gets a warning: enough time to create a new one and switch the IdP.
EXPIRY_WARNING = timedelta(days=7)


def _warnings(org) -> list[str]:
    warnings = []
    soon = timezone.now() + EXPIRY_WARNING
    for token in selectors.org_active_scim_tokens(org=org, expiring_before=soon):
        warnings.append(f"SCIM token {token.name} expires on {token.expires:%Y-%m-%d %H:%M} UTC: "
                        "generate a new one and update your IdP.")
    for application in selectors.org_applications(org=org, grant_type=Application.GRANT_AUTHORIZATION_CODE):
        for approver in selectors.application_approvers(org=org, application=application):
            if not approver.still_valid:
                warnings.append(f"{application.name} was approved by {approver.user.email}, who is no longer an "
                                "admin here: its tokens stopped working. Re-authorize it in the IdP.")
    return warnings


def overview_connection_section(request):
    from .console import endpoint_urls  # the console module imports this one to register the card

    return {**endpoint_urls(), "application_count": selectors.org_applications(org=request.org).count(),
            "token_count": selectors.org_active_scim_tokens(org=request.org).count(), "warnings": _warnings(request.org)}


console_site.register_overview_section("oauthapps/console/overview_connection.html", overview_connection_section,
                                       order=10)
