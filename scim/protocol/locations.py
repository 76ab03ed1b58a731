"""The URLs SCIM resources carry (meta.location, $ref): the public base URL and the SCIM root's path.

The root comes from reverse(), so moving the mount point in config/urls.py moves every URL with it.
Renderers call scim_base_url() once per response and pass it down: reverse() per member of a
50,000-member group would cost more than the rows.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def scim_base_url() -> str:
    """E.g. https://id.example.com/scim/v2 (no trailing slash)."""
    return _base_url(settings.PUBLIC_BASE_URL, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=32)
def _base_url(public_base_url: str, urlconf: str, script_prefix: str) -> str:
    # reverse() took ~0.1 ms, paid by every rendered response (issue 14); its inputs are the key.
    return public_base_url + reverse("scim:root", urlconf=urlconf).rstrip("/")


def user_location(public_id: str, base: str | None = None) -> str:
    return f"{base or scim_base_url()}/Users/{public_id}"


def group_location(public_id: str, base: str | None = None) -> str:
    return f"{base or scim_base_url()}/Groups/{public_id}"
