"""Django's PostgreSQL backend with a health check that does not ask the server, timestamptz read by
fromisoformat (config.timestamps) on every new connection, and cursors whose statements are prepared on
the server (tenants.prepared_queries), which read timestamptz with psycopg's C loader.

Django's check (CONN_HEALTH_CHECKS) sends `SELECT 1` before the first query of every request: a round
trip per request, GETs included, with two context switches on each side (issue 14). A persistent
connection that PostgreSQL has dropped (a restart, pg_terminate_backend, idle_session_timeout, a crash)
shows it without being asked: the server writes its FATAL and closes the socket, so an idle connection's
socket turns readable. An idle connection in autocommit has nothing else to read (we never LISTEN, and
the server reports changed settings only after a command), so a readable socket means the connection
is gone; at worst a healthy one is reconnected. The check is one poll(2) with a zero timeout, as Go's
MySQL driver checks its pooled connections.

A server that is frozen or cut off says nothing, to this check or to `SELECT 1`: the request's first
query waits, and config.database_deadline cuts it loose either way (it shuts the socket down, so the
connection is closed). A connection that is not idle (a command in flight, say, after an exception
interrupted psycopg's wait) takes Django's own check, which refuses it.
"""

from __future__ import annotations

import select

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus
from psycopg.postgres import types
from psycopg.types.datetime import TimestamptzLoader

from config import timestamps

TIMESTAMPTZ_OID = types["timestamptz"].oid


class _PreparingCursor(psycopg.Cursor):
    """Binds its parameters on the server and has each statement prepared: PostgreSQL parses it once per
    connection, and plans it once when a generic plan is as good as the custom ones (by unique keys, by
    org and id range: all of ours but a LIKE pattern's). Planning the read of a user with its e-mails and
    groups took 0.4-0.7 ms, twice what running it took (issue 14)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def prepares_statements(self) -> bool:
        """False behind PgBouncer in transaction mode before 1.21, where each transaction may run on
        another server connection (settings.DATABASE_STATEMENTS_PREPARED)."""
        return settings.DATABASE_STATEMENTS_PREPARED

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # In the zone Django chose; a cursor under another zone still gets Django's own loader (create_cursor).
        connection.adapters.register_loader("timestamptz", timestamps.loader_for(self.timezone))
        if self.prepares_statements and connection.prepare_threshold is None:
            # Django's None turns prepare=True off too. Any number turns it on, and changes nothing else: Django's
            # own cursors bind on the client and are never prepared, and planned_once_cursor's always ask.
            connection.prepare_threshold = 1 << 30
        return connection

    def planned_once_cursor(self):
        """A _PreparingCursor, wrapped as Django wraps its own cursors (execute wrappers, database errors
        as Django's)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = _PreparingCursor(self.connection)
            if self.connection.info.timezone == self.timezone:
                # psycopg's own loader, in C, reads a timestamptz in the session's zone, here Django's: the value
                # Django's loader gives, 1.5 us sooner (a page of 100 users reads 200). Not the connection's:
                # Django's cursors look for their loader's `timezone`, which the C class has not.
                cursor.adapters.register_loader(TIMESTAMPTZ_OID, TimestamptzLoader)
            return self._prepare_cursor(cursor)

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
