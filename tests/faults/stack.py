"""The production processes on loopback, on a private PostgreSQL and a private Redis that fault tests
stop and freeze (never the shared ones): gunicorn (deploy/gunicorn.conf.py, 2 sync workers), the outbox
relay, a Celery worker that writes e-mails to files (with beat) and one for webhook deliveries. Plus the clients that load it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_string
from pathlib import Path

import requests

from tests.deploy.test_slow_clients import free_port, stop, wait_for_port
from tests.outbox_relay import start_relay
from tests.postgres_server import PrivatePostgres
from tests.redis_server import PrivateRedis

REPO = Path(__file__).resolve().parents[2]
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
# Short client-side limits so an outage shows within seconds; production defaults are in README.
REDELIVERED = "select count(*) from tenants_effect where sent > created + interval '1 second'"
LOGS = Path(tempfile.gettempdir()) / "idadmin-fault-logs"
DATABASE_CONNECT_TIMEOUT = 2
DATABASE_WAIT_LIMIT = 3


class Stack:
    def __init__(self, extra_env: dict[str, str] | None = None):
        self.extra_env = extra_env or {}
        self.database = PrivatePostgres()
        # A broker that keeps its queue across a restart, as production's must (deploy/README.md).
        self.broker = PrivateRedis(durable=True)
        self.mail_directory = Path(tempfile.mkdtemp(prefix="idadmin-mail-"))
        self.static_root = Path(tempfile.mkdtemp(prefix="idadmin-static-"))
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        self.database.start()
        self.database.createdb("idadmin")
        self.broker.start()
        self.env = {
            **os.environ, "DATABASE_URL": self.database.url("idadmin"), "SECRET_KEY": "fault-test-" + "k" * 40,
            "ALLOWED_HOSTS": "127.0.0.1", "CELERY_BROKER_URL": self.broker.url, "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING", "DATABASE_CONN_MAX_AGE": "60",
            # The load runs as fast as the server answers, far above the SCIM limits; limits have their
            # own tests (tests/*/test_*rate_limits.py).
            "RATE_LIMITS_ENABLED": "0",
            # Effects still pending 10 s after their message are sent again, checked every 2 s (production:
            # 5 minutes, every minute), by the beat that runs inside the worker.
            "EFFECT_REDELIVERY_AFTER_SECONDS": "10", "EFFECT_SWEEP_SECONDS": "2",
            "DATABASE_CONNECT_TIMEOUT": str(DATABASE_CONNECT_TIMEOUT),
            "DATABASE_WAIT_LIMIT_SECONDS": str(DATABASE_WAIT_LIMIT),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_directory),
            # The webhook receiver of the tests is on loopback and speaks http.
            "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1", "WEBHOOK_ALLOW_HTTP": "1",
            # Its own: collectstatic rewriting the checkout's staticfiles/ raced other tests' WhiteNoise,
            # which lists that directory as it starts.
            "STATIC_ROOT": str(self.static_root),
            **self.extra_env,
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=REPO, env=self.env, check=True)
        # As on each release (README): production serves the hashed static files collectstatic writes.
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=REPO, env=self.env, check=True)
        seed = subprocess.run([*manage, "seed_demo", "--json"], cwd=REPO, env={**self.env, "DEBUG": "1"},
                              check=True, capture_output=True, text=True)
        self.demo = json.loads(seed.stdout[seed.stdout.index("{"):])
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        server = self._spawn(sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
                             "--bind", f"127.0.0.1:{port}", "--workers", "2")
        self.processes.append(start_relay(self.env, log=open(LOGS / "relay.log", "w")))
        worker = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
                  "--without-heartbeat", "--without-mingle", "--without-gossip"]
        self._spawn(*worker, "--queues", "celery", "--hostname", "effects@%h", "--beat",
                    "--schedule", str(Path(tempfile.mkdtemp(prefix="idadmin-beat-")) / "schedule"))
        self._spawn(*worker, "--queues", "webhooks", "--hostname", "webhooks@%h")
        wait_for_port(port, server)

    def _spawn(self, *command: str) -> subprocess.Popen:
        # Each process's log outlives the run, for a failing test to point at.
        name = command[2] if command[1] == "-m" else Path(command[2]).name
        queue = command[command.index("--queues") + 1] if "--queues" in command else ""
        log = open(LOGS / f"{name}{'-' + queue if queue else ''}.log", "w")
        process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def remove(self) -> None:
        for process in self.processes:
            stop(process)
        self.broker.remove()
        self.database.remove()

    @property
    def scim_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.demo['oauth']['scim_token']['token']}",
                "Content-Type": "application/scim+json"}

    def add_webhook_endpoint(self, url: str, event_types: list[str]) -> str:
        """An endpoint of the demo org, made through the service; returns its signing secret."""
        code = ("import json; from events.services import webhook_endpoint_create; "
                "from tenants.models import Organization; from tenants.audit import Actor; "
                f"org = Organization.objects.get(public_id={self.demo['organization']['id']!r}); "
                f"_e, secret = webhook_endpoint_create(org=org, actor=Actor.system('fault test'), url={url!r}, "
                f"event_types={event_types!r}); print(secret)")
        made = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=REPO, env=self.env,
                              check=True, capture_output=True, text=True)
        return made.stdout.strip().splitlines()[-1]

    def sql(self, query: str) -> str:
        return subprocess.run(["psql", self.database.url("idadmin"), "-Atc", query], capture_output=True, text=True,
                              check=True).stdout.strip()

    def outbox_state(self) -> str:
        return (f"outbox={self.sql('select count(*) from celery_outbox')} "
                f"dead_letters={self.sql('select count(*) from celery_outbox_dead_letter')} "
                f"effects_pending={self.sql('select count(*) from tenants_effect where done is null')} "
                f"effects_redelivered={self.sql(REDELIVERED)}")

    def recipients(self) -> Counter:
        """How many e-mails each address received (the file backend writes one file per connection)."""
        received = Counter()
        for path in self.mail_directory.iterdir():
            for raw in path.read_text().split("-" * 79 + "\n"):
                if raw.strip():
                    received[message_from_string(raw)["To"]] += 1
        return received

    def wait_until_recovered(self, seconds: float = 20) -> float | None:
        """Seconds until a SCIM read succeeds again, or None."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            try:
                if requests.get(f"{self.url}/scim/v2/Users?count=1", headers=self.scim_headers, timeout=10).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return None

    def stored_user_names(self) -> set[str]:
        """Every user of the demo org, paged through as an IdP's full import does."""
        stored: set[str] = set()
        while True:
            for _attempt in range(30):  # as an IdP does, retry a 503 after its Retry-After (a busy machine)
                response = requests.get(f"{self.url}/scim/v2/Users", headers=self.scim_headers, timeout=10,
                                        params={"count": 200, "startIndex": len(stored) + 1})
                if response.status_code != 503:
                    break
                time.sleep(1)
            assert response.status_code == 200, (response.status_code, response.text[:500])
            page = {user["userName"] for user in response.json()["Resources"]}
            if not page:
                return stored
            stored |= page

    def email_sent_at(self, address: str) -> float | None:
        """When (wall clock) the first e-mail to `address` was written, or None."""
        times = [path.stat().st_mtime for path in self.mail_directory.iterdir() if f"To: {address}" in path.read_text()]
        return min(times, default=None)

    def wait_for_emails(self, expected: set[str], seconds: float = 30) -> float:
        """Seconds until every expected address has an e-mail (or the limit passed)."""
        started = time.monotonic()
        while time.monotonic() - started < seconds and not expected <= set(self.recipients()):
            time.sleep(0.5)
        return time.monotonic() - started

    def assert_each_emailed_once(self, expected: set[str], sent_as_the_database_died: int = 0) -> None:
        """Every expected address got its e-mail, once. When the database itself goes away, an e-mail the
        worker had just handed to the mail server before its done-mark could commit is sent again (the
        edge of any outbox: the mail server takes no part in our transaction): at most
        `sent_as_the_database_died` of those, one per effects worker."""
        received = self.recipients()
        missing = expected - set(received)
        assert not missing, f"{len(missing)} e-mails lost, e.g. {sorted(missing)[:5]}; {self.outbox_state()}"
        duplicated = {address: n for address, n in received.items() if address in expected and n > 1}
        assert len(duplicated) <= sent_as_the_database_died and all(n == 2 for n in duplicated.values()), (
            f"{len(duplicated)} e-mails sent more than once, e.g. {list(duplicated.items())[:5]}")


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
    # Signing in rotates the CSRF secret; the jar keeps exactly the two cookies the console needs.
    rotated = "csrftoken=" in signed_in.headers.get("Set-Cookie", "")
    session.csrf_token = _cookie(signed_in if rotated else page, "csrftoken")
    session.cookies.clear()
    session.cookies.set("csrftoken", session.csrf_token)
    session.cookies.set("sessionid", _cookie(signed_in, "sessionid"))
    assert session.get(f"{base}/console/", allow_redirects=False).status_code == 200
    return session


@dataclass
class Answer:
    kind: str
    status: int  # 0: no HTTP answer (connection error or client timeout)
    seconds: float
    at: float
    retry_after: str | None


@dataclass
class Load:
    """Client threads against the stack: `console` and `scim-read` read, `scim-write` creates users with
    an e-mail (a welcome e-mail each), `invite` invites by e-mail in the console (an invitation each)."""

    stack: Stack
    kinds: list[str]
    prefix: str
    answers: list[Answer] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)

    def __enter__(self) -> Load:
        owner = self.stack.demo["owner"]
        self._console = console_session(self.stack.url, owner["email"], owner["password"])
        self._csrf = self._console.csrf_token
        self._stop = threading.Event()
        self._counter = iter(range(10**6))
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(len(self.kinds))
        self._futures = [self._pool.submit(self._client, kind) for kind in self.kinds]
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)
        for future in self._futures:
            future.result()  # a client that crashed fails the test

    def _next_address(self) -> str:
        with self._lock:
            return f"{self.prefix}{next(self._counter)}@acme.example"

    def _request(self, kind: str) -> tuple[requests.Response, str | None]:
        base = self.stack.url
        if kind == "console":
            return self._console.get(f"{base}/console/", timeout=30, allow_redirects=False), None
        if kind == "scim-read":
            return requests.get(f"{base}/scim/v2/Users?count=5", headers=self.stack.scim_headers, timeout=30), None
        address = self._next_address()
        if kind == "invite":
            return self._console.post(f"{base}/console/members/invite/", timeout=30, allow_redirects=False,
                                      data={"email": address, "role": "admin", "csrfmiddlewaretoken": self._csrf},
                                      headers={"Referer": f"{base}/console/members/"}), address
        body = {"schemas": [SCIM_USER], "userName": address, "emails": [{"value": address, "primary": True}]}
        return requests.post(f"{base}/scim/v2/Users", headers=self.stack.scim_headers, timeout=30,
                             data=json.dumps(body)), address

    def _client(self, kind: str) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                response, address = self._request(kind)
            except requests.RequestException:
                self.answers.append(Answer(kind, 0, time.monotonic() - started, started, None))
                continue
            self.answers.append(Answer(kind, response.status_code, time.monotonic() - started, started,
                                       response.headers.get("Retry-After")))
            if kind == "scim-write" and response.status_code == 201:
                self.created.append(address)
            # The console answers a successful invitation with a redirect back to the members page.
            if kind == "invite" and response.status_code == 302:
                self.invited.append(address)

    def statuses(self) -> Counter:
        return Counter(answer.status for answer in self.answers)

    def summary(self) -> str:
        by_kind = {kind: dict(Counter(a.status for a in self.answers if a.kind == kind)) for kind in self.kinds}
        slowest = max((a.seconds for a in self.answers), default=0)
        return f"requests={len(self.answers)} statuses={dict(self.statuses())} by_kind={by_kind} slowest={slowest:.2f}s"
