"""The outbox relay (`manage.py celery_outbox_relay`, django-celery-outbox) as a real process on the
test database, for tests that run a real worker: side effects reach the broker only through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
# Tests want effects within a second and a broker that is back to be used within two.
RELAY_OPTIONS = ["--idle-time", "0.2", "--broker-outage-cooldown", "2", "--send-timeout", "2"]


def start_relay(env: dict[str, str], log=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "celery_outbox_relay", *RELAY_OPTIONS], cwd=REPO,
                            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture
def outbox_relay(transactional_db):
    database = connection.settings_dict
    relay = start_relay({"DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"})
    yield relay
    relay.terminate()
    try:
        relay.wait(timeout=10)
    except subprocess.TimeoutExpired:
        relay.kill()
