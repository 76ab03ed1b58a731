"""Cut a web request loose from a PostgreSQL that has stopped answering.

A frozen or partitioned server (a paused VM, a stalled disk, a network that drops packets) accepts
connections and never answers. The server-side statement and lock timeouts cannot fire there, and
psycopg waits forever on a connection it already holds, so every request would hang until the web
server's worker timeout kills the worker. Instead, while a request runs, a watchdog thread looks at it
every TICK_SECONDS; when consecutive looks find it inside psycopg for DATABASE_WAIT_LIMIT_SECONDS (so a
wait shorter than the limit less a tick is never cut), the watchdog shuts down the sockets of that
request's database connections. psycopg's wait wakes at once with the connection closed and raises an OperationalError, as for a server that went away: Django marks the
connection broken (it is dropped, not reused) and the request is answered 503 with Retry-After
(config.errors). Python code that is not waiting on the database is never interrupted, and nothing is
raised into the request's thread from outside: psycopg ends its own wait, whichever thread it runs in
(a sync worker's main thread, or a threaded server's).

Armed around each request by the server's hooks (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import connections

TICK_SECONDS = 0.5

logger = logging.getLogger(__name__)


@dataclass
class _Request:
    """A request being watched: its thread, and that thread's database connections (Django's are per thread)."""

    thread_id: int
    databases: list = field(default_factory=list)
    seconds_waiting: float = 0.0


_watched: dict[int, _Request] = {}
_lock = threading.Lock()
_watchdog_pid: int | None = None  # the process whose watchdog runs: a forked child starts its own


def _waiting_on_psycopg(frame) -> bool:
    return frame is not None and frame.f_globals.get("__name__", "").startswith("psycopg")


def arm() -> None:
    if not settings.DATABASE_WAIT_LIMIT_SECONDS:
        return
    request = _Request(threading.get_ident(), [connections[alias] for alias in connections])
    with _lock:
        _watched[request.thread_id] = request
        _start_watchdog()


def disarm() -> None:
    with _lock:
        _watched.pop(threading.get_ident(), None)


def _start_watchdog() -> None:
    global _watchdog_pid
    if _watchdog_pid != os.getpid():
        _watchdog_pid = os.getpid()
        threading.Thread(target=_watch, name="database-deadline", daemon=True).start()


def _watch() -> None:
    while True:
        time.sleep(TICK_SECONDS)
        _tick()


def _tick() -> None:
    frames = sys._current_frames()
    limit = settings.DATABASE_WAIT_LIMIT_SECONDS
    with _lock:
        requests = list(_watched.values())
    for request in requests:
        waiting = _waiting_on_psycopg(frames.get(request.thread_id))
        request.seconds_waiting = request.seconds_waiting + TICK_SECONDS if waiting else 0.0
        if request.seconds_waiting >= limit:
            request.seconds_waiting = 0.0
            logger.error("PostgreSQL did not answer for %g s: closing the request's database connection (503)", limit)
            _shut_down_sockets(request.databases)


def _shut_down_sockets(databases) -> None:
    for database in databases:
        connection = database.connection  # psycopg's, or None before the first query
        if connection is None or connection.closed:
            continue
        try:
            descriptor = os.dup(connection.pgconn.socket)
        except (OSError, psycopg.OperationalError):  # closed in the meantime: nothing left to cut
            continue
        with socket.socket(fileno=descriptor) as duplicate:
            try:
                # Shuts the connection down for every descriptor of it, psycopg's included; the duplicate
                # is ours to close, so psycopg's descriptor number is never freed under it.
                duplicate.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
