"""gunicorn for production, behind deploy/nginx.conf (see deploy/README.md).

Sync workers are cheap and simple, and safe here only because nginx buffers whole requests before it
passes them on: a client that trickles its body in ties up an nginx connection, never a worker.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A request slower than this is killed and its worker replaced; database timeouts end queries first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 2
# A SCIM filter is at most 4,000 characters, percent-encoding can triple it: the request line fits.
limit_request_line = 16384
limit_request_fields = 100
limit_request_field_size = 8190
# Workers are recycled now and then so a slow leak cannot grow forever.
max_requests = 5000
max_requests_jitter = 500
accesslog = None  # config.request_logging writes one line per request
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"


def pre_request(worker, req):
    # A frozen PostgreSQL never answers and never times out on its own: cut the request loose (503).
    from config import database_deadline

    database_deadline.arm()


def post_request(worker, req, environ, resp):
    from config import database_deadline

    database_deadline.disarm()


def post_worker_init(worker):
    # Issue 14: the list p95 was full collections walking every object Django loaded at start (50-140 ms,
    # one every ~10 lists). Those live as long as the worker: freeze them out of the collector's walks,
    # and let more young objects die with their request before a collection runs at all.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
