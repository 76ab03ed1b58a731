"""config.database_deadline against a frozen private PostgreSQL (never the shared one)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connections

from config import database_deadline
from tests.postgres_server import PrivatePostgres


@pytest.fixture
def frozen_database(settings, django_db_blocker):
    """A private PostgreSQL under its own alias, and this thread's Django connection to it (not yet frozen)."""
    settings.DATABASE_WAIT_LIMIT_SECONDS = 1
    database = PrivatePostgres()
    database.start()
    connections.settings["deadline"] = {**connections.settings["default"], "NAME": "postgres",
                                        "HOST": "127.0.0.1", "PORT": database.port}
    with django_db_blocker.unblock():
        connection = connections["deadline"]
        _query(connection, "select 1")
        yield database, connection
        database_deadline.disarm()
        database.freeze(False)
        connection.close()
    del connections["deadline"]
    del connections.settings["deadline"]
    database.remove()


def _query(connection, sql="select 2"):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_a_query_to_a_frozen_server_is_cut_loose_at_the_wait_limit(frozen_database):
    database, connection = frozen_database
    database.freeze(True)
    database_deadline.arm()
    started = time.monotonic()
    with pytest.raises(OperationalError):
        _query(connection)
    assert time.monotonic() - started < 3  # the limit (1 s) plus a tick, not a hang


def test_it_cuts_loose_a_request_in_any_thread_not_only_the_main_one(frozen_database):
    """Threaded servers run requests outside the main thread, where no signal is delivered."""
    database, _ = frozen_database
    connected, frozen, outcome = threading.Event(), threading.Event(), {}

    def request():
        connection = connections["deadline"]  # this thread's own connection, as a threaded server's request has
        try:
            _query(connection, "select 1")
            connected.set()
            frozen.wait(5)
            database_deadline.arm()
            started = time.monotonic()
            try:
                _query(connection)
            except OperationalError as error:
                outcome["error"], outcome["seconds"] = error, time.monotonic() - started
        finally:
            database_deadline.disarm()
            connection.close()

    thread = threading.Thread(target=request)
    thread.start()
    assert connected.wait(5)
    database.freeze(True)
    frozen.set()
    thread.join(10)
    assert not thread.is_alive(), "the request hung on the frozen server"
    assert outcome["seconds"] < 3  # the limit (1 s) plus a tick, not a hang


def test_python_work_and_an_answering_database_are_never_interrupted(frozen_database, settings):
    # Ticks count a wait in halves of a second: one a little over a tick can be seen by two of them.
    settings.DATABASE_WAIT_LIMIT_SECONDS = 2
    database, connection = frozen_database
    database_deadline.arm()
    started = time.monotonic()
    while time.monotonic() - started < 3:  # longer than the limit, busy in Python
        sum(range(1000))
    assert _query(connection, "select 3 from pg_sleep(0.6)") == [(3,)]  # answered well within the limit
    database_deadline.disarm()


def test_a_disarmed_request_is_no_longer_watched(frozen_database):
    database, _ = frozen_database
    connected, go, outcome = threading.Event(), threading.Event(), {}

    def request():
        connection = connections["deadline"]
        try:
            _query(connection, "select 1")
            connected.set()
            go.wait(5)
            database_deadline.arm()
            database_deadline.disarm()
            outcome["rows"] = _query(connection)
        finally:
            connection.close()

    thread = threading.Thread(target=request, daemon=True)
    thread.start()
    assert connected.wait(5)
    database.freeze(True)
    go.set()
    thread.join(2.5)  # more than the limit and a tick
    assert thread.is_alive(), "a query outside an armed request was cut"
    database.freeze(False)
    thread.join(5)
    assert outcome["rows"] == [(2,)]


def test_off_when_the_limit_is_zero(settings):
    settings.DATABASE_WAIT_LIMIT_SECONDS = 0
    database_deadline.arm()
    assert threading.get_ident() not in database_deadline._watched
