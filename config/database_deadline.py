"""Cut a web request loose from a PostgreSQL that has stopped answering.

A frozen or partitioned server (a paused VM, a stalled disk, a network that drops packets) accepts
connections and never answers. The server-side statement and lock timeouts cannot fire there, and
psycopg waits forever on a connection it already holds, so every request would hang until the web
server's worker timeout kills the worker. Instead, while a request runs, a timer ticks; when a tick
finds the request inside psycopg and consecutive ticks add up to DATABASE_WAIT_LIMIT_SECONDS, the tick
raises `DatabaseNotAnswering`. It is a psycopg OperationalError, so Django wraps it, marks the
connection broken (it is dropped, not reused) and the request is answered 503 with Retry-After
(config.errors). Python code that is not waiting on the database is never interrupted.

Armed by deploy/gunicorn.conf.py around each request of a sync worker (one request per process, in
its main thread, where signals are delivered).
"""

from __future__ import annotations

import signal
import threading

import psycopg
from django.conf import settings

TICK_SECONDS = 0.5


class DatabaseNotAnswering(psycopg.OperationalError):
    pass


_seconds_waiting = 0.0


def _waiting_on_psycopg(frame) -> bool:
    return frame is not None and frame.f_globals.get("__name__", "").startswith("psycopg")


def _tick(_signum, frame) -> None:
    global _seconds_waiting
    _seconds_waiting = _seconds_waiting + TICK_SECONDS if _waiting_on_psycopg(frame) else 0.0
    limit = settings.DATABASE_WAIT_LIMIT_SECONDS
    if _seconds_waiting >= limit:
        _seconds_waiting = 0.0
        raise DatabaseNotAnswering(f"PostgreSQL did not answer for {limit:g} s")


def arm() -> None:
    global _seconds_waiting
    if not settings.DATABASE_WAIT_LIMIT_SECONDS or threading.current_thread() is not threading.main_thread():
        return
    _seconds_waiting = 0.0
    signal.signal(signal.SIGALRM, _tick)
    signal.setitimer(signal.ITIMER_REAL, TICK_SECONDS, TICK_SECONDS)


def disarm() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, 0)
