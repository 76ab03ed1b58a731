"""What a production worker process adds to a Django application once it has loaded it (deploy/wsgi.py;
bench/stock/served.py gives the benchmark's peer the same)."""

import gc
import os

from config import database_deadline


def prepare_worker() -> None:
    # A frozen PostgreSQL is cut loose (503) and a request past the timeout ends its worker, which the
    # server replaces (config.database_deadline).
    database_deadline.watch_requests(request_timeout=float(os.environ.get("REQUEST_TIMEOUT_SECONDS", "30")))
    tune_garbage_collector()


def tune_garbage_collector() -> None:
    # Issue 14: the list p95 was full collections walking every object Django loaded at start (50-140 ms,
    # one every ~10 lists). Those live as long as the worker: freeze them out of the collector's walks, and
    # let more young objects die with their request before a collection runs at all.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
