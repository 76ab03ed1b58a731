import pytest

from tests.factories import UserFactory
from tests.tenants.loopback_servers import start_http_server


@pytest.fixture
def staff_client(client, db):
    """Signed in to /admin/ as a superuser (staff@example.org)."""
    client.force_login(UserFactory(email="staff@example.org", is_staff=True, is_superuser=True))
    return client


@pytest.fixture(scope="session")
def _http_server():
    server, port = start_http_server()
    yield server, port
    server.shutdown()


@pytest.fixture
def web_files(_http_server, dns_zone, settings):
    """Files a real HTTP server on 127.0.0.1 serves, by (host, path). Production uses https; the
    scheme and port are settings only tests change. Host names resolve through dns_zone (tests/conftest.py)."""
    server, port = _http_server
    server.files.clear()
    server.requests.clear()
    settings.DOMAIN_VERIFICATION_HTTP_SCHEME = "http"
    settings.DOMAIN_VERIFICATION_HTTP_PORT = port
    settings.DOMAIN_VERIFICATION_HTTP_TIMEOUT = 0.5
    settings.DOMAIN_VERIFICATION_HTTP_ALLOW_PRIVATE_ADDRESSES = True
    return server.files
