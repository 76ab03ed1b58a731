"""One POST to a webhook endpoint, refusing private and loopback addresses (an org must not make us
call into our own network), with the same guard as the HTTPS domain check: the host is resolved once,
every address vetted, and the connection made to the vetted address (tenants.domain_checks
.pinned_connection_pool) while TLS still verifies the certificate for the host name."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from tenants.domain_checks import pinned_connection_pool


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None
    error: str


def _public(address: str) -> bool:
    return settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES or ipaddress.ip_address(address).is_global


def post(url: str, body: str, headers: dict[str, str], pools: dict | None = None) -> Outcome:
    """POST `body`; `pools` (a dict the caller closes with close_pools) keeps connections open across
    the calls of one drain."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)})
    except OSError as error:
        return Outcome(False, None, f"Could not look up {parts.hostname}: {error.strerror or error}")
    if not addresses or not all(_public(address) for address in addresses):
        return Outcome(False, None, f"{parts.hostname} resolves to a private address; webhooks go to public ones.")
    seconds = settings.WEBHOOK_TIMEOUT_SECONDS
    key = (parts.scheme, addresses[0], port, parts.hostname)
    pool = (pools or {}).get(key) or pinned_connection_pool(parts.scheme, addresses[0], port, parts.hostname, seconds)
    if pools is not None:
        pools[key] = pool
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = pool.urlopen("POST", path, body=body.encode(), redirect=False, retries=False, headers={
            "Host": parts.netloc, "Content-Type": "application/json",
            "User-Agent": f"{settings.PRODUCT_SLUG}-webhooks", **headers})
        response.drain_conn()
    except urllib3.exceptions.TimeoutError:
        return Outcome(False, None, f"No answer within {seconds:g} s.")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(False, None, f"Could not connect: {error.__class__.__name__}.")
    finally:
        if pools is None:
            pool.close()
    if 200 <= response.status < 300:
        return Outcome(True, response.status, "")
    return Outcome(False, response.status, f"Answered HTTP {response.status}.")


def close_pools(pools: dict) -> None:
    for pool in pools.values():
        pool.close()
