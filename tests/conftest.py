import pytest
from django.db import connection

from config.celery import app as celery_app
from tenants.models import Membership
from tests.factories import OrganizationFactory, UserFactory, add_member
from tests.tenants.loopback_servers import start_dns_server


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Production serves hashed static files from collectstatic's manifest; tests don't collect."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run inline in tests unless a test starts a real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def rate_limits_off(settings):
    """Suites that send thousands of requests on one credential are not about rate limits; the tests
    that are (tests/*/test_*rate_limits.py) turn them on."""
    settings.RATE_LIMITS_ENABLED = False


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Globex")


@pytest.fixture
def owner(org):
    user = UserFactory(email="owner@acme.example")
    add_member(org, user, Membership.Role.OWNER)
    return user


@pytest.fixture
def owner_client(client, owner, org):
    client.force_login(owner)
    return client


@pytest.fixture(scope="session")
def _dns_server():
    server, resolver, port = start_dns_server()
    yield resolver, port
    server.stop()


@pytest.fixture
def dns_zone(_dns_server, settings):
    """The records a real DNS server on 127.0.0.1 answers; the product's resolver asks only it.
    Domain checks (tests/tenants) and the browser journeys that verify a domain use it."""
    resolver, port = _dns_server
    resolver.records.clear()
    resolver.queries.clear()
    settings.DOMAIN_VERIFICATION_NAMESERVERS = ["127.0.0.1"]
    settings.DOMAIN_VERIFICATION_DNS_PORT = port
    settings.DOMAIN_VERIFICATION_DNS_TIMEOUT = 0.5
    return resolver.records


@pytest.fixture(scope="session")
def live_server(live_server, django_db_setup, django_db_blocker):
    """pytest-django's live server, whose leftover database sessions end with it. Its request threads are
    daemons that keep their connection while a client (a browser, a requests.Session) keeps the HTTP
    connection alive; nothing joins them, so without this the test database could not be dropped."""
    yield live_server
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
