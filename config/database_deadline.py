"""Cut a web request loose from a PostgreSQL that has stopped answering, and end one that runs too long.

A frozen or partitioned server (a paused VM, a stalled disk, a network that drops packets) accepts
connections and never answers. The server-side statement and lock timeouts cannot fire there, and
psycopg waits forever on a connection it already holds, so every request would hang. Instead, while a
request runs, a watchdog thread looks at it every TICK_SECONDS; when consecutive looks find it inside
psycopg for DATABASE_WAIT_LIMIT_SECONDS (so a wait shorter than the limit less a tick is never cut), the
watchdog shuts down the sockets of that request's database connections. psycopg's wait wakes at once
with the connection closed and raises an OperationalError, as for a server that went away: Django marks
the connection broken (it is dropped, not reused) and the request is answered 503 with Retry-After
(config.errors). Python code that is not waiting on the database is never interrupted, and nothing is
raised into the request's thread from outside: psycopg ends its own wait, in whichever thread it runs.

The same watchdog ends a request that runs past REQUEST_TIMEOUT_SECONDS, whatever it is doing, as a
worker timeout would: it logs the request and exits the worker process, which the server replaces
(deploy/serve.py runs granian with --respawn-failed-workers). A thread cannot be stopped from outside; a
process can.

`watch_requests()` arms it around every request Django handles in the process (request_started, and
request_finished, sent when the server closes the response): deploy/worker.py, in each server worker.
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
from django.core.signals import request_finished, request_started
from django.db import connections

TICK_SECONDS = 0.5

logger = logging.getLogger(__name__)


@dataclass
class _Request:
    """A request being watched: its thread, and that thread's database connections (Django's are per thread)."""

    thread_id: int
    databases: list = field(default_factory=list)
    seconds_waiting: float = 0.0
    started: float = field(default_factory=time.monotonic)
    what: str = ""  # method and path, for the log


_watched: dict[int, _Request] = {}
_lock = threading.Lock()
_watchdog_pid: int | None = None  # the process whose watchdog runs: a forked child starts its own
_request_timeout = 0.0  # set by watch_requests(): only a server whose workers are replaced ends them


def watch_requests(*, request_timeout: float) -> None:
    """Arm around every request of this process, and end the process if one runs past `request_timeout`."""
    global _request_timeout
    _request_timeout = request_timeout
    request_started.connect(_on_request_started, dispatch_uid="config.database_deadline")
    request_finished.connect(_on_request_finished, dispatch_uid="config.database_deadline")


def _on_request_started(environ=None, **_kwargs) -> None:
    arm(what=f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}" if environ else "")


def _on_request_finished(**_kwargs) -> None:
    disarm()


def _waiting_on_psycopg(frame) -> bool:
    return frame is not None and frame.f_globals.get("__name__", "").startswith("psycopg")


def arm(what: str = "") -> None:
    if not (settings.DATABASE_WAIT_LIMIT_SECONDS or _request_timeout):
        return
    request = _Request(threading.get_ident(), [connections[alias] for alias in connections], what=what)
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
        if _request_timeout and time.monotonic() - request.started > _request_timeout:
            _end_worker(request)
        waiting = _waiting_on_psycopg(frames.get(request.thread_id))
        request.seconds_waiting = request.seconds_waiting + TICK_SECONDS if waiting else 0.0
        if limit and request.seconds_waiting >= limit:
            request.seconds_waiting = 0.0
            logger.error("PostgreSQL did not answer %s for %g s: closing its database connections (503)",
                         request.what or "a request", limit)
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


def _end_worker(request: _Request) -> None:
    frame = sys._current_frames().get(request.thread_id)
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "unknown"
    logger.critical("%s ran past %g s (now at %s): ending this worker process (pid %d); the server starts "
                    "another", request.what or "A request", _request_timeout, where, os.getpid())
    os._exit(70)  # EX_SOFTWARE; no cleanup may wait on what the stuck request holds
