"""The DNS and HTTPS proofs against real servers on 127.0.0.1, and domain name normalisation."""

import pytest
from django.core.exceptions import ValidationError

from tenants import domain_checks
from tenants.domain_checks import check_dns_txt, check_https_file, normalize_domain_name, validate_claimable_domain
from tests.tenants.loopback_servers import SILENT

TOKEN = "0123456789abcdef0123456789abcdef"
RECORD = "_idadmin.acme.example"
VALUE = f"idadmin-domain-verification={TOKEN}"
FILE = ("acme.example", "/.well-known/idadmin-domain-verification.txt")


@pytest.mark.parametrize(
    "raw, normalized",
    [("Acme.Example", "acme.example"), ("acme.example.", "acme.example"), (" Bücher.example ", "xn--bcher-kva.example")],
)
def test_names_are_lower_case_idna_without_trailing_dot(raw, normalized):
    assert normalize_domain_name(raw) == normalized


@pytest.mark.parametrize("raw", ["", "localhost", "-acme.example", "ac me.example", "a..example", "1.2.3.4", "a_b.example", "x" * 64 + ".com"])
def test_invalid_names_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_domain_name(raw)


@pytest.mark.parametrize("name", ["com", "co.uk", "github.io"])
def test_public_suffixes_are_refused(name):
    with pytest.raises(ValidationError, match="public suffix"):
        validate_claimable_domain(name)


@pytest.mark.parametrize("name", ["gmail.com", "outlook.com", "yahoo.com"])
def test_consumer_mail_domains_are_refused(name):
    with pytest.raises(ValidationError, match="consumer e-mail provider"):
        validate_claimable_domain(name)


def test_company_domains_and_their_subdomains_are_claimable():
    validate_claimable_domain("acme.co.uk")
    validate_claimable_domain("eu.acme.example")


def test_published_record_and_file_use_the_product_name():
    assert domain_checks.dns_record_name("acme.example") == RECORD
    assert domain_checks.dns_record_value(TOKEN) == VALUE
    assert domain_checks.https_file_url("acme.example") == "https://acme.example/.well-known/idadmin-domain-verification.txt"


def test_dns_record_with_the_token_passes(dns_zone):
    dns_zone[RECORD] = {"TXT": [VALUE]}
    assert check_dns_txt("acme.example", TOKEN).passed


def test_dns_record_among_several_txt_values_passes(dns_zone):
    dns_zone[RECORD] = {"TXT": ["v=spf1 -all", VALUE, "google-site-verification=abc"]}
    assert check_dns_txt("acme.example", TOKEN).passed


def test_dns_value_split_into_several_strings_passes(dns_zone):
    dns_zone[RECORD] = {"TXT": [[VALUE[:20], VALUE[20:]]]}
    assert check_dns_txt("acme.example", TOKEN).passed


def test_dns_record_with_another_token_fails(dns_zone):
    dns_zone[RECORD] = {"TXT": ["idadmin-domain-verification=" + "f" * 32]}
    result = check_dns_txt("acme.example", TOKEN)
    assert not result.passed and "another token" in result.reason


def test_dns_txt_values_without_ours_fail(dns_zone):
    dns_zone[RECORD] = {"TXT": ["v=spf1 -all", "something else"]}
    result = check_dns_txt("acme.example", TOKEN)
    assert not result.passed and "None of the 2 TXT value(s)" in result.reason


def test_dns_name_without_txt_record_fails(dns_zone):
    dns_zone[RECORD] = {"A": ["127.0.0.1"]}
    result = check_dns_txt("acme.example", TOKEN)
    assert not result.passed and "has no TXT record" in result.reason


def test_dns_nxdomain_fails(dns_zone):
    result = check_dns_txt("acme.example", TOKEN)
    assert not result.passed and "NXDOMAIN" in result.reason


def test_dns_timeout_fails_within_the_configured_timeout(dns_zone):
    import time

    dns_zone[RECORD] = SILENT
    started = time.monotonic()
    result = check_dns_txt("acme.example", TOKEN)
    assert not result.passed and "timed out" in result.reason
    assert time.monotonic() - started < 2


def test_https_file_with_the_token_passes(web_files, dns_zone):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[FILE] = (200, {}, f"{TOKEN}\n".encode())
    assert check_https_file("acme.example", TOKEN).passed


def test_https_file_with_another_token_fails(web_files, dns_zone):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[FILE] = (200, {}, b"f" * 32)
    result = check_https_file("acme.example", TOKEN)
    assert not result.passed and "does not contain the token" in result.reason


def test_missing_https_file_fails(web_files, dns_zone):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    result = check_https_file("acme.example", TOKEN)
    assert not result.passed and "HTTP 404" in result.reason


def test_https_file_larger_than_the_cap_fails(web_files, dns_zone):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[FILE] = (200, {}, TOKEN.encode() + b" " * 5000)
    result = check_https_file("acme.example", TOKEN)
    assert not result.passed and "larger than" in result.reason


def test_redirect_to_another_host_is_not_followed(web_files, dns_zone):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    dns_zone["evil.example"] = {"A": ["127.0.0.1"]}
    web_files[FILE] = (302, {"Location": "http://evil.example/token.txt"}, b"")
    web_files[("evil.example", "/token.txt")] = (200, {}, TOKEN.encode())
    result = check_https_file("acme.example", TOKEN)
    assert not result.passed and "another host" in result.reason


def test_redirect_on_the_same_host_is_followed(web_files, dns_zone):
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[FILE] = (301, {"Location": "/verification.txt"}, b"")
    web_files[("acme.example", "/verification.txt")] = (200, {}, TOKEN.encode())
    assert check_https_file("acme.example", TOKEN).passed


def test_domain_without_address_fails(web_files, dns_zone):
    result = check_https_file("acme.example", TOKEN)
    assert not result.passed and "no address" in result.reason


def test_private_addresses_are_refused_in_production(web_files, dns_zone, settings):
    settings.DOMAIN_VERIFICATION_HTTP_ALLOW_PRIVATE_ADDRESSES = False
    dns_zone["acme.example"] = {"A": ["127.0.0.1"]}
    web_files[FILE] = (200, {}, TOKEN.encode())
    result = check_https_file("acme.example", TOKEN)
    assert not result.passed and "private address" in result.reason


def test_https_is_the_default_scheme(settings):
    assert settings.DOMAIN_VERIFICATION_HTTP_SCHEME == "https"
    assert settings.DOMAIN_VERIFICATION_HTTP_PORT is None
