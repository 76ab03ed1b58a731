"""tests.postgres_server's standby (bench replica's): a hot standby that follows its primary and refuses writes."""

import time

import psycopg
import pytest

from tests.postgres_server import PrivatePostgres


@pytest.fixture
def primary():
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


def test_a_standby_reads_what_its_primary_commits_and_writes_nothing(primary):
    with psycopg.connect(primary.url(), autocommit=True) as connection:
        connection.execute("CREATE TABLE probe (n int)")
    standby = PrivatePostgres(standby_of=primary)
    try:
        standby.start()
        with psycopg.connect(primary.url(), autocommit=True) as writer, \
                psycopg.connect(standby.url(), autocommit=True) as reader:
            assert reader.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            writer.execute("INSERT INTO probe VALUES (7)")  # after the base backup: only streaming brings it
            for _ in range(100):
                if reader.execute("SELECT n FROM probe").fetchall() == [(7,)]:
                    break
                time.sleep(0.05)
            assert reader.execute("SELECT n FROM probe").fetchall() == [(7,)]
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                reader.execute("INSERT INTO probe VALUES (8)")
    finally:
        standby.remove()
