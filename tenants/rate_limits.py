"""Rate limits: fixed-window counters in Redis, answered with 429 and Retry-After by each surface (SCIM,
the token endpoint, the management API).

Every limit a request is held to is counted in one pipelined round trip (INCR and EXPIRE per counter)
on a client kept for the life of the process. django-ratelimit did the same counting with an ADD and an
INCR per limit on a new client each time: four round trips and ~0.8 ms of a 5 ms SCIM read (issue 14).
Windows end at a per-value offset (CRC32 of the value), as django-ratelimit's did, so orgs' windows don't
all roll over in the same second.

If Redis is unreachable, requests pass and a warning is logged: a limiter outage must never become
an outage of the service it protects. After a failure the limiter stays out of the way for a few
seconds, so an outage costs one connect timeout per process, not one per request. Without
RATE_LIMIT_REDIS_URL (the demo) the counters live in the process's memory.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import zlib
from dataclasses import dataclass

import redis
from django.conf import settings

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


SCIM_WINDOW_SECONDS = 10


def enforce_scim_limits(*, org, credential: str) -> None:
    """Per credential and per org: an org's own figure (set by staff) replaces both defaults."""
    own = org.scim_requests_per_second
    per_credential = own or settings.SCIM_RATE_PER_CREDENTIAL
    per_org = own or settings.SCIM_RATE_PER_ORG
    _enforce_per_credential_and_org("scim", per_credential, per_org, org=org, credential=credential)


def enforce_api_limits(*, org, credential: str) -> None:
    """The management API's limits, per key and per org, counted like SCIM's."""
    _enforce_per_credential_and_org("api", settings.API_RATE_PER_KEY, settings.API_RATE_PER_ORG, org=org,
                                    credential=credential)


def _enforce_per_credential_and_org(surface: str, per_credential: int, per_org: int, *, org, credential: str) -> None:
    window = SCIM_WINDOW_SECONDS
    enforce((Limit(f"{surface}-credential", per_credential * window, window), credential),
            (Limit(f"{surface}-org", per_org * window, window), org.public_id))


def enforce(*counted: tuple[Limit, str]) -> None:
    """Count this request against each (limit, value); raise RateLimited if any is over."""
    global _skip_until
    if not settings.RATE_LIMITS_ENABLED or time.monotonic() < _skip_until:
        return
    now = int(time.time())
    windows = [(limit, value, _window_end(limit, value, now)) for limit, value in counted]
    try:
        counts = _counters().increment([(_key(limit, value, end), limit.seconds + 1) for limit, value, end in windows])
    except redis.RedisError:  # Redis down or timing out: let the request through.
        _skip_until = time.monotonic() + _REDIS_RETRY_AFTER_FAILURE
        log.warning("rate limits are not enforced: the rate-limit cache is unreachable", exc_info=True)
        return
    for (limit, _value, end), count in zip(windows, counts):
        if count > limit.count:
            raise RateLimited(f"Too many requests: at most {limit.count} per {limit.seconds} s ({limit.name}).",
                              retry_after=max(1, end - now))


def _window_end(limit: Limit, value: str, now: int) -> int:
    end = now - now % limit.seconds + zlib.crc32(value.encode()) % limit.seconds
    return end + limit.seconds if end <= now else end


def _key(limit: Limit, value: str, window_end: int) -> str:
    # Hashed: a value is a client id or an address, and a key's length stays fixed whatever it is.
    return f"rl:{limit.name}:{window_end}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class RedisCounters:
    def __init__(self, url: str):
        # Short timeouts: a Redis outage must cost a request milliseconds, not seconds.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.2)

    def increment(self, keys: list[tuple[str, int]]) -> list[int]:
        pipeline = self.client.pipeline(transaction=False)
        for key, ttl in keys:
            pipeline.incr(key)
            pipeline.expire(key, ttl)
        return pipeline.execute()[::2]


class MemoryCounters:
    """This process's own counters: for the demo, which runs without Redis."""

    def __init__(self):
        self.counts: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def increment(self, keys: list[tuple[str, int]]) -> list[int]:
        now = time.monotonic()
        with self.lock:
            if len(self.counts) > 10_000:  # keys name their window, so an expired one is never counted again
                self.counts = {key: entry for key, entry in self.counts.items() if entry[1] > now}
            counts = []
            for key, ttl in keys:
                count, expires = self.counts.get(key, (0, now + ttl))
                self.counts[key] = (count + 1, expires)
                counts.append(count + 1)
            return counts


_counters_by_url: dict[str, RedisCounters | MemoryCounters] = {}


def _counters() -> RedisCounters | MemoryCounters:
    """One client per process (redis-py's pool reconnects after a fork) for the configured URL."""
    url = settings.RATE_LIMIT_REDIS_URL
    if url not in _counters_by_url:
        _counters_by_url[url] = RedisCounters(url) if url else MemoryCounters()
    return _counters_by_url[url]
