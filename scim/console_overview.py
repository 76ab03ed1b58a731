"""The SCIM app's Overview card: directory user and group counts and the last provisioning events."""

from __future__ import annotations

from django.db.models import Count, Q

from tenants.console_site import console_site

from . import selectors
from .models import Group, ScimUser

RECENT_EVENTS = 10


def overview_provisioning_section(request):
    # One aggregate query. A user without an `active` attribute counts as active, as SCIM's default is.
    counts = ScimUser.objects.aggregate(deactivated=Count("pk", filter=Q(active=False)), total=Count("pk"))
    return {
        "users_active": counts["total"] - counts["deactivated"],
        "users_deactivated": counts["deactivated"],
        "groups": Group.objects.count(),
        "events": list(selectors.provisioning_events()[:RECENT_EVENTS]),
    }


console_site.register_overview_section("console/overview_provisioning.html", overview_provisioning_section, order=20)
