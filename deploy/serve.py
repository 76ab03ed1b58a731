"""The production web server: granian (HTTP/1.1 in Rust, keep-alive) running deploy.wsgi, behind
deploy/nginx.conf (see deploy/README.md).

`python -m deploy.serve` replaces itself with granian. Each worker is a process with one thread for the
application, as a sync worker: nginx buffers whole requests before it passes them on, so a client that
trickles its body in ties up an nginx connection, never a worker. A worker that exits (the request
timeout in config.database_deadline, a crash) is started again; one whose memory passes
SERVER_WORKER_MAX_RSS_MB is replaced, so a slow leak cannot grow forever.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TARGET = "deploy.wsgi:application"


def command(target: str = TARGET, environ: dict | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    host, _, port = environ.get("SERVER_BIND", "127.0.0.1:8001").rpartition(":")
    return [
        str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--host", host, "--port", port,
        "--workers", environ.get("SERVER_WORKERS", str((os.cpu_count() or 1) * 2)),
        "--blocking-threads", "1",
        "--respawn-failed-workers",
        "--workers-max-rss", environ.get("SERVER_WORKER_MAX_RSS_MB", "1024"),
        "--workers-kill-timeout", "30",  # a graceful stop lets requests in flight finish, this long at most
        "--no-ws",
        "--log-level", environ.get("SERVER_LOG_LEVEL", "info"),  # config.request_logging logs each request
        target,
    ]


def main() -> None:
    arguments = command(sys.argv[1] if len(sys.argv) > 1 else TARGET)
    os.execv(arguments[0], arguments)


if __name__ == "__main__":
    main()
