"""The peer's authentication: one bearer token compared in memory.

django-scim2 implements no authentication: its view decorator (SCIMAuthCheckMiddleware) answers 401
unless an earlier middleware set an authenticated request.user. A real integrator would look a token up
(django-oauth-toolkit: a query per request); this stand-in costs nothing, which flatters the peer.
"""

import hmac

from django.conf import settings


class ServiceAccount:
    is_authenticated = True
    is_anonymous = False


SERVICE_ACCOUNT = ServiceAccount()


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.expected = f"Bearer {settings.STOCK_BENCH_TOKEN}".encode()

    def __call__(self, request):
        presented = request.headers.get("Authorization", "").encode()
        if settings.STOCK_BENCH_TOKEN and hmac.compare_digest(presented, self.expected):
            request.user = SERVICE_ACCOUNT
        return self.get_response(request)
