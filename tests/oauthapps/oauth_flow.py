"""Drives the OAuth flows the way the IdPs do, with authlib as the client."""

from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .conftest import OKTA_CALLBACK

AUTHORIZE_PATH = "/oauth/v2/authorize"
TOKEN_PATH = "/oauth/v2/token"


def oauth_session(client_id, secret, **kwargs):
    session = OAuth2Session(client_id, secret, **kwargs)
    # One request per connection, so the live server's request threads end (and close their
    # database connections) before the test database is dropped.
    session.headers["Connection"] = "close"
    # The dev server then closes the socket without saying so in its response, so the client may
    # send the next request on a socket the server already closed; that request never reached the
    # server and is safe to send again, POST included.
    session.mount("http://", HTTPAdapter(max_retries=Retry(total=2, connect=2, read=2, allowed_methods=None)))
    return session


def okta_session(application, secret, scope="managed-users/read managed-users/list offline_access"):
    return oauth_session(
        application.client_id, secret, scope=scope, redirect_uri=OKTA_CALLBACK,
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )


def authorization_url(session, base="http://testserver", code_verifier=None):
    """The authorize URL with a fresh state (and a PKCE S256 challenge when code_verifier is given)."""
    url, state = session.create_authorization_url(base + AUTHORIZE_PATH, code_verifier=code_verifier)
    return url, state


def approve(browser, url, allow=True):
    """An org admin signed in to `browser` (a Django test client) opens the consent page and answers."""
    parts = urlsplit(url)
    page = browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.content
    fields = {name: value for name, value in page.context["form"].initial.items() if value is not None}
    if allow:
        fields["allow"] = "on"
    answer = browser.post(AUTHORIZE_PATH, fields)
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def code_from(location):
    return parse_qs(urlsplit(location).query)["code"][0]


def new_code_verifier():
    return generate_token(48)
