"""A private redis-server on a free loopback port, for tests that stop it (never the shared one)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing

import pytest


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    def __init__(self, durable: bool = False):
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        # Durable: every write is in the append-only file before it is acknowledged, so a restart keeps
        # the queue (a Celery broker's must); otherwise nothing touches the disk.
        self.directory = tempfile.mkdtemp(prefix="idadmin-redis-") if durable else None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", *(["--appendonly", "yes", "--appendfsync", "always", "--dir", self.directory]
                              if self.directory else ["--appendonly", "no"])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.stop()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_redis(settings):
    """The rate-limit counters on a fresh private Redis, rate limits on; the test may stop the server."""
    from tenants import rate_limits

    redis = PrivateRedis()
    redis.start()
    settings.RATE_LIMIT_REDIS_URL = redis.url
    settings.RATE_LIMITS_ENABLED = True
    rate_limits._skip_until = 0.0
    yield redis
    redis.stop()
    rate_limits._skip_until = 0.0
