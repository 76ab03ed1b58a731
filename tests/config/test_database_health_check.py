"""config.postgresql: a persistent connection's health check is a poll of its socket, not a round trip,
and still drops a connection the server has closed or one with a command in flight."""

import time

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection():
    """A connection of its own, in autocommit like a web request's (the test's is inside a transaction)."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def backend_pid(wrapper) -> int:
    return wrapper.connection.execute("SELECT pg_backend_pid()").fetchone()[0]


def last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_the_backend_is_djangos_postgresql_backend(own_connection):
    assert own_connection.vendor == "postgresql"
    assert connection.settings_dict["ENGINE"] == "config.postgresql"


def test_an_idle_connection_is_usable_without_asking_the_server(own_connection):
    pid = backend_pid(own_connection)
    own_connection.connection.execute("SELECT 'the last thing the request asked'")

    assert own_connection.is_usable()
    assert last_statement(pid) == "SELECT 'the last thing the request asked'"  # Django's check sends SELECT 1


def test_a_connection_the_server_dropped_is_unusable_and_the_next_request_reconnects(own_connection):
    pid = backend_pid(own_connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while own_connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's FATAL and close reach the socket a moment later
    assert not own_connection.is_usable()

    own_connection.health_check_done = False  # a new request
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_with_a_command_in_flight_is_unusable(own_connection):
    # As an exception raised while psycopg waits leaves it: sent, never answered.
    own_connection.connection.pgconn.send_query(b"SELECT pg_sleep(2)")
    assert not own_connection.is_usable()
    own_connection.connection.cancel_safe()  # or the sleeping backend outlives the test, and its database
