"""deploy/serve.py and deploy/worker.py: what a production worker adds, on the real server (granian)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from django.conf import settings

from deploy.worker import tune_garbage_collector
from tests.deploy.test_slow_clients import REPO, free_port, stop, wait_for_port
from tests.postgres_server import PrivatePostgres


def test_a_worker_freezes_its_start_up_objects_and_collects_young_objects_less_often():
    thresholds = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


@pytest.fixture
def frozen_database():
    database = PrivatePostgres()
    database.start()
    database.freeze(True)
    yield database
    database.remove()


def test_a_request_past_the_timeout_ends_its_worker_and_the_server_starts_another(frozen_database, tmp_path):
    """The timeout is the net under everything else: here the database deadline is off and PostgreSQL is
    frozen, so the request would wait forever."""
    port, log = free_port(), tmp_path / "server.log"
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": frozen_database.url("postgres"), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "DATABASE_WAIT_LIMIT_SECONDS": "0",
        "DATABASE_CONNECT_TIMEOUT": "60", "REQUEST_TIMEOUT_SECONDS": "2",
        "SERVER_BIND": f"127.0.0.1:{port}", "SERVER_WORKERS": "1", "SERVER_LOG_LEVEL": "info",
    }
    with ExitStack() as stack, open(log, "w") as output:
        server = subprocess.Popen([sys.executable, "-m", "deploy.serve"], cwd=REPO, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)
        stack.callback(stop, server)
        wait_for_port(port, server)
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/scim/v2/Users", headers={"Authorization": "Bearer x"}, timeout=20)
        assert time.monotonic() - started < 10  # the timeout (2 s) and a tick, not the client's 20 s
        frozen_database.freeze(False)
        for _ in range(100):  # the replacement worker starts
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/scim/v2/ServiceProviderConfig", timeout=5)
                break
            except requests.exceptions.ConnectionError:
                time.sleep(0.1)
        assert answer.status_code == 200
    printed = Path(log).read_text()
    assert "GET /scim/v2/Users ran past 2 s" in printed
    assert "Respawning worker" in printed
