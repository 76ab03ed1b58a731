"""The address a request comes from, behind the proxies the deployment trusts (django-ipware).

Sign-in throttling (django-axes) and the audit log both use it. Behind deploy/nginx.conf, which
overwrites X-Forwarded-For with the address it saw, set CLIENT_IP_FROM_X_FORWARDED_FOR=1; if more
proxies append to the header in front of nginx, X_FORWARDED_FOR_PROXY_COUNT says how many. Without
the setting the header is ignored: anyone can send it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_address(request: HttpRequest) -> str | None:
    if not settings.CLIENT_IP_FROM_X_FORWARDED_FOR:
        return request.META.get("REMOTE_ADDR") or None
    address, _routable = get_client_ip(
        request, proxy_order="right-most", proxy_count=settings.X_FORWARDED_FOR_PROXY_COUNT,
        request_header_order=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
    )
    return address
