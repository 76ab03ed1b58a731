"""One POST to a webhook endpoint, refusing private and loopback addresses (an org must not make us
call into our own network). The host is resolved once, every address vetted, and the connection made
to the vetted address while TLS still verifies the certificate for the host name."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None
    error: str


def _public(address: str) -> bool:
    return settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES or ipaddress.ip_address(address).is_global


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)})
    except OSError as error:
        return Outcome(False, None, f"Could not look up {parts.hostname}: {error.strerror or error}")
    if not addresses or not all(_public(address) for address in addresses):
        return Outcome(False, None, f"{parts.hostname} resolves to a private address; webhooks go to public ones.")
    seconds = settings.WEBHOOK_TIMEOUT_SECONDS
    timeout = urllib3.Timeout(connect=seconds, read=seconds)
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(addresses[0], port, timeout=timeout, retries=False, cert_reqs="CERT_REQUIRED",
                                           server_hostname=parts.hostname, assert_hostname=parts.hostname)
    else:
        pool = urllib3.HTTPConnectionPool(addresses[0], port, timeout=timeout, retries=False)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        with pool:
            response = pool.urlopen("POST", path, body=body.encode(), redirect=False, retries=False, headers={
                "Host": parts.netloc, "Content-Type": "application/json",
                "User-Agent": f"{settings.PRODUCT_SLUG}-webhooks", **headers})
            response.drain_conn()
    except urllib3.exceptions.TimeoutError:
        return Outcome(False, None, f"No answer within {seconds:g} s.")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(False, None, f"Could not connect: {error.__class__.__name__}.")
    if 200 <= response.status < 300:
        return Outcome(True, response.status, "")
    return Outcome(False, response.status, f"Answered HTTP {response.status}.")
