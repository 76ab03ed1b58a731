"""Django's PostgreSQL backend with a health check that does not ask the server, and timestamptz read in C
(config.timestamps) on every new connection.

Django's check (CONN_HEALTH_CHECKS) sends `SELECT 1` before the first query of every request: a round
trip per request, GETs included, with two context switches on each side (issue 14). A persistent
connection that PostgreSQL has dropped (a restart, pg_terminate_backend, idle_session_timeout, a crash)
shows it without being asked: the server writes its FATAL and closes the socket, so an idle connection's
socket turns readable. An idle connection in autocommit has nothing else to read (we never LISTEN, and
the server reports changed settings only after a command), so a readable socket means the connection
is gone; at worst a healthy one is reconnected. The check is one poll(2) with a zero timeout, as Go's
MySQL driver checks its pooled connections.

A server that is frozen or cut off says nothing, to this check or to `SELECT 1`: the request's first
query waits, and config.database_deadline cuts it loose either way. A connection that is not idle (a
command in flight, say, after DatabaseNotAnswering) takes Django's own check, which refuses it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from config import timestamps


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # In the zone Django chose; a cursor under another zone still gets Django's own loader (create_cursor).
        connection.adapters.register_loader("timestamptz", timestamps.loader_for(self.timezone))
        return connection

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
