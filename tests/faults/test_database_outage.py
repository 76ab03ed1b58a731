"""PostgreSQL stopped under load, against real server processes: gunicorn (deploy/gunicorn.conf.py,
2 sync workers) on a private PostgreSQL cluster on another port (never the shared one).

While the database is down every answer is fast: 503 with Retry-After (a SCIM error body on SCIM,
a short page on the console), never a 500 and never a hang. Every write acknowledged with 201 is
there afterwards, and the service recovers by itself once the database is back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.deploy.test_slow_clients import free_port, stop, wait_for_port
from tests.postgres_server import PrivatePostgres

REPO = Path(__file__).resolve().parents[2]
OUTAGE_SECONDS = 6
CLIENTS = 4
# The slowest an answer may be while the database is down: the connect timeout (3 s) plus margin.
NO_HANG_SECONDS = 8
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def stack():
    """A private cluster with the schema and the demo org, and gunicorn in front of it."""
    database = PrivatePostgres()
    database.start()
    database.createdb("idadmin")
    env = {**os.environ, "DATABASE_URL": database.url("idadmin"), "SECRET_KEY": "fault-test-" + "k" * 40,
           "ALLOWED_HOSTS": "127.0.0.1", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8", "SECURE_SSL_REDIRECT": "0",
           "LOG_LEVEL": "WARNING", "DATABASE_CONN_MAX_AGE": "60"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=REPO, env=env, check=True)
    # As on each release (README): production serves the hashed static files collectstatic writes.
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    seed = subprocess.run([*manage, "seed_demo", "--json"], cwd=REPO, env={**env, "DEBUG": "1"}, check=True,
                          capture_output=True, text=True)
    demo = json.loads(seed.stdout[seed.stdout.index("{"):])
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        yield {"url": f"http://127.0.0.1:{port}", "demo": demo, "database": database}
    finally:
        stop(server)
        database.remove()


def _cookie(response, name: str) -> str:
    header = response.headers.get("Set-Cookie", "")
    return header.split(f"{name}=", 1)[1].split(";", 1)[0]


def console_session(base: str, email: str, password: str) -> requests.Session:
    """A signed-in console session. Production cookies are Secure and this loopback test speaks http,
    so the cookies are copied into the jar without the flag."""
    session = requests.Session()
    page = session.get(f"{base}/console/login/")
    assert page.status_code == 200, page.status_code
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    session.cookies.set("csrftoken", _cookie(page, "csrftoken"))
    signed_in = session.post(f"{base}/console/login/", allow_redirects=False, data={
        "username": email, "password": password, "csrfmiddlewaretoken": token, "next": "/console/"},
        headers={"Referer": f"{base}/console/login/"})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/console/", signed_in.status_code
    session.cookies.set("sessionid", _cookie(signed_in, "sessionid"))
    assert session.get(f"{base}/console/", allow_redirects=False).status_code == 200
    return session


def test_postgres_stopped_under_load_is_503_then_recovers_with_no_acknowledged_write_lost(stack):
    base, demo = stack["url"], stack["demo"]
    console = console_session(base, demo["owner"]["email"], demo["owner"]["password"])
    scim_headers = {"Authorization": f"Bearer {demo['oauth']['scim_token']['token']}", "Content-Type": "application/scim+json"}
    answers: list[tuple[str, int, float, str | None]] = []
    created: list[str] = []
    stop_load = threading.Event()
    counter = iter(range(10**6))

    def client(kind: str):
        while not stop_load.is_set():
            started = time.monotonic()
            try:
                if kind == "console":
                    response = console.get(f"{base}/console/", timeout=30, allow_redirects=False)
                elif kind == "scim-read":
                    response = requests.get(f"{base}/scim/v2/Users?count=5", headers=scim_headers, timeout=30)
                else:
                    user_name = f"fault{next(counter)}@acme.example"
                    response = requests.post(f"{base}/scim/v2/Users", headers=scim_headers, timeout=30,
                                             data=json.dumps({"schemas": [SCIM_USER], "userName": user_name}))
                    if response.status_code == 201:
                        created.append(user_name)
            except requests.RequestException as error:
                answers.append((kind, 0, time.monotonic() - started, type(error).__name__))
                continue
            answers.append((kind, response.status_code, time.monotonic() - started, response.headers.get("Retry-After")))

    kinds = ["console", "scim-read", "scim-write", "scim-write"][:CLIENTS]
    with ThreadPoolExecutor(len(kinds)) as pool:
        for kind in kinds:
            pool.submit(client, kind)
        time.sleep(2)
        stack["database"].stop()
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        stack["database"].start()
        up_at = time.monotonic()
        recovered_at = None
        while time.monotonic() - up_at < 20:
            if requests.get(f"{base}/scim/v2/Users?count=1", headers=scim_headers, timeout=10).status_code == 200:
                recovered_at = time.monotonic()
                break
            time.sleep(0.1)
        time.sleep(1)
        stop_load.set()

    statuses = [status for _kind, status, _seconds, _extra in answers]
    by_kind = {kind: sorted({status for k, status, _s, _e in answers if k == kind}) for kind in kinds}
    print(f"requests={len(answers)} statuses={ {s: statuses.count(s) for s in set(statuses)} } by_kind={by_kind} "
          f"recovery_seconds={None if recovered_at is None else round(recovered_at - up_at, 2)} "
          f"outage_seconds={round(up_at - down_at, 1)} acknowledged_writes={len(created)}")
    assert 500 not in statuses and 0 not in statuses, answers
    assert 503 in statuses, "the outage was not observed"
    assert all(extra is not None for _kind, status, _s, extra in answers if status == 503), "503 without Retry-After"
    assert max(seconds for _kind, _status, seconds, _extra in answers) < NO_HANG_SECONDS
    assert recovered_at is not None, "the service did not recover by itself"

    stored: set[str] = set()
    while True:
        listed = requests.get(f"{base}/scim/v2/Users", headers=scim_headers, timeout=10, params={
            "filter": 'userName sw "fault"', "count": 200, "startIndex": len(stored) + 1}).json()
        stored |= {user["userName"] for user in listed["Resources"]}
        if not listed["Resources"]:
            break
    assert set(created) <= stored, f"acknowledged writes lost: {sorted(set(created) - stored)}"
