"""The URLs SCIM resources carry (meta.location, $ref): the public base URL and the SCIM root's path.

The root comes from reverse(), so moving the mount point in config/urls.py moves every URL with it.
Renderers call scim_base_url() once per response and pass it down: reverse() per member of a
50,000-member group would cost more than the rows.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def scim_base_url() -> str:
    """E.g. https://id.example.com/scim/v2 (no trailing slash)."""
    return settings.PUBLIC_BASE_URL + reverse("scim:root").rstrip("/")


def user_location(public_id: str, base: str | None = None) -> str:
    return f"{base or scim_base_url()}/Users/{public_id}"


def group_location(public_id: str, base: str | None = None) -> str:
    return f"{base or scim_base_url()}/Groups/{public_id}"
