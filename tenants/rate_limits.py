"""Rate limits, counted in Redis (django-ratelimit on the "rate_limits" cache), answered with 429 and
Retry-After by each surface (SCIM, the token endpoint, the management API).

If Redis is unreachable, requests pass and a warning is logged: a limiter outage must never become
an outage of the service it protects. After a failure the limiter stays out of the way for a few
seconds, so an outage costs one connect timeout per process, not one per request.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)
_REDIS_RETRY_AFTER_FAILURE = 5.0
_skip_until = 0.0


class RateLimited(Exception):
    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `seconds` for one value of what is counted (a client, an org...)."""

    name: str
    count: int
    seconds: int

    @property
    def rate(self) -> str:
        return f"{self.count}/{self.seconds}s"


SCIM_WINDOW_SECONDS = 10


def enforce_scim_limits(request, *, org, credential: str) -> None:
    """Per credential and per org: an org's own figure (set by staff) replaces both defaults."""
    own = org.scim_requests_per_second
    per_credential = own or settings.SCIM_RATE_PER_CREDENTIAL
    per_org = own or settings.SCIM_RATE_PER_ORG
    _enforce_per_credential_and_org(request, "scim", per_credential, per_org, org=org, credential=credential)


def enforce_api_limits(request, *, org, credential: str) -> None:
    """The management API's limits, per key and per org, counted like SCIM's."""
    _enforce_per_credential_and_org(request, "api", settings.API_RATE_PER_KEY, settings.API_RATE_PER_ORG, org=org,
                                    credential=credential)


def _enforce_per_credential_and_org(request, surface: str, per_credential: int, per_org: int, *, org,
                                    credential: str) -> None:
    window = SCIM_WINDOW_SECONDS
    enforce(request, Limit(f"{surface}-credential", per_credential * window, window), credential)
    enforce(request, Limit(f"{surface}-org", per_org * window, window), org.public_id)


def enforce(request, limit: Limit, value: str) -> None:
    """Count this request against `limit` for `value`; raise RateLimited once it is over."""
    global _skip_until
    if not settings.RATE_LIMITS_ENABLED or time.monotonic() < _skip_until:
        return
    try:
        usage = get_usage(request, group=limit.name, key=lambda _group, _request: value, rate=limit.rate,
                          increment=True)
    except Exception:  # Redis down or timing out: let the request through.
        _skip_until = time.monotonic() + _REDIS_RETRY_AFTER_FAILURE
        log.warning("rate limits are not enforced: the rate-limit cache is unreachable", exc_info=True)
        return
    if usage is not None and usage["should_limit"]:
        raise RateLimited(f"Too many requests: at most {limit.count} per {limit.seconds} s ({limit.name}).",
                          retry_after=max(1, usage["time_left"]))
