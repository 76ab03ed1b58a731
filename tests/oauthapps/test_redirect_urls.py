import pytest
from django.core.exceptions import ValidationError

from oauthapps.models import validate_redirect_url


@pytest.mark.parametrize("url", ["https://acme.okta.example/callback", "https://idp.example:8443/cb?tenant=1"])
def test_https_redirect_urls_are_accepted(url):
    validate_redirect_url(url)


@pytest.mark.parametrize(
    "url", ["http://acme.okta.example/callback", "https://idp.example/cb#frag", "https://user:pw@idp.example/cb",
            "/relative", "javascript:alert(1)"],
)
def test_other_redirect_urls_are_refused(url):
    with pytest.raises(ValidationError):
        validate_redirect_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/callback", "http://localhost/callback"])
def test_loopback_http_only_when_debug(url, settings):
    settings.DEBUG = False
    with pytest.raises(ValidationError):
        validate_redirect_url(url)
    settings.DEBUG = True
    validate_redirect_url(url)
