"""config.database_deadline against a frozen private PostgreSQL (never the shared one)."""

from __future__ import annotations

import signal
import time

import psycopg
import pytest

from config import database_deadline
from tests.postgres_server import PrivatePostgres


@pytest.fixture
def frozen_connection(settings):
    settings.DATABASE_WAIT_LIMIT_SECONDS = 1
    database = PrivatePostgres()
    database.start()
    connection = psycopg.connect(database.url(), connect_timeout=5)
    connection.execute("select 1")
    database.freeze(True)
    yield connection
    database_deadline.disarm()
    connection.close()
    database.remove()


def test_a_query_to_a_frozen_server_is_cut_loose_at_the_wait_limit(frozen_connection):
    database_deadline.arm()
    started = time.monotonic()
    with pytest.raises(database_deadline.DatabaseNotAnswering):
        frozen_connection.execute("select 2")
    assert time.monotonic() - started < 3  # the limit (1 s) plus a tick, not a hang


def test_python_work_outside_the_database_is_never_interrupted(frozen_connection):
    database_deadline.arm()
    started = time.monotonic()
    while time.monotonic() - started < 2:  # twice the limit, busy in Python
        sum(range(1000))
    database_deadline.disarm()


def test_off_when_the_limit_is_zero(settings):
    settings.DATABASE_WAIT_LIMIT_SECONDS = 0
    database_deadline.arm()
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
