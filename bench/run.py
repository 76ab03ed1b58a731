"""`python -m bench run`: the production server configuration on loopback, measured scenario by scenario.

gunicorn with deploy/gunicorn.conf.py (sync workers, DEBUG off) serves the bench database; a token is
taken through the real token endpoint (client credentials); each scenario is driven by bench.load in
its own process, one client for latencies, `clients` for the mixed load. Prints a table and writes
bench/results/run-<time>.json with the commit, the machine and the dataset.

With `pgbouncer`, gunicorn reaches PostgreSQL through Debian's PgBouncer in transaction mode, started
on a free loopback port with a temporary configuration and stopped at the end.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.seed import BIG_GROUP_SIZE

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

# (name, clients, what it measures); the mixed load is last and uses --clients.
SCENARIOS = [
    ("get_user", 1, "GET /Users/{id}"),
    ("eq_username", 1, 'GET /Users?filter=userName eq "..."'),
    ("eq_external_id", 1, 'GET /Users?filter=externalId eq "..."'),
    ("list_first", 1, "GET /Users?startIndex=1&count=100"),
    ("list_deep", 1, "GET /Users?startIndex=100000&count=100"),
    ("sw_prefix", 1, 'GET /Users?filter=userName sw "first.last." (~1 in 4,096)'),
    ("sw_page", 1, 'GET /Users?filter=userName sw "first."&count=100 (~1 in 64: a full page)'),
    ("patch_member_big", 1, "PATCH /Groups/{50k group} one member"),
    ("patch_member_small", 1, "PATCH /Groups/{10-member group} one member"),
    ("get_big_group", 1, "GET /Groups/{50k group}"),
    ("post_user", 1, "POST /Users"),
    ("mixed", None, "30% by id, 30% eq, 20% list, 10% user PATCH, 10% member PATCH"),
]
WARMUP_REQUESTS = 20
MAX_REQUESTS_PER_CLIENT = 5000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plan_for_big_org(port: int, big_group_size: int = BIG_GROUP_SIZE) -> dict:
    """Sample data from the bench database, and a fresh client-credentials app for the big org."""
    import django

    django.setup()
    from oauthapps import scopes
    from oauthapps.models import Application
    from oauthapps.services import application_create
    from scim.models import Group, GroupMembership, ScimUser
    from tenants.audit import Actor
    from tenants.models import Organization
    from tenants.scoping import org_scope

    from bench.seed import BIG_GROUP, BIG_ORG_NAME, FIRST, LAST, SMALL_GROUP

    org = Organization.objects.filter(name=BIG_ORG_NAME).first()
    if org is None:
        sys.exit("bench run: no seeded data; run `python -m bench seed` first.")
    with org_scope(org):
        org_users = ScimUser.objects.count()
        # Seeded users only: ones a POST scenario created differ by design (no displayName, say).
        ids = list(ScimUser.objects.exclude(user_name__startswith="bench.").order_by("?")
                   .values_list("public_id", "user_name", "external_id")[:2000])
        big, small = Group.objects.get(display_name=BIG_GROUP), Group.objects.get(display_name=SMALL_GROUP)
        application, secret = application_create(
            org=org, actor=Actor.system(), grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            name=f"bench {datetime.now(timezone.utc):%Y%m%d%H%M%S}", scopes=list(scopes.MANAGED_USERS))
    members = _restore_seeded_groups(org.pk, big.pk, small.pk, big_group_size)
    rng = random.Random(14)
    return {
        "host": "127.0.0.1", "port": port, "org_users": org_users,
        "deep_index": min(100_000, max(1, org_users - 100)),
        "users": [{"id": p, "userName": u, "externalId": e} for p, u, e in ids],
        "sw_prefixes": [f"{rng.choice(FIRST)}.{rng.choice(LAST)}." for _ in range(200)],
        "sw_page_prefixes": [f"{first}." for first in FIRST],
        "big_group": big.public_id, "big_group_members": members[big.pk],
        "small_group": small.public_id, "small_group_members": members[small.pk],
        "run_id": f"{int(time.time())}", "client_id": application.client_id, "client_secret": secret,
    }


def plan_with_in_process_token() -> dict:
    """The plan for the big org, with an access token its app took from the token endpoint in-process (Django's
    test client, no server): for the in-process measures (dbwork, instructions)."""
    from django.test import Client

    plan = plan_for_big_org(port=443)
    basic = base64.b64encode(f"{plan['client_id']}:{plan['client_secret']}".encode()).decode()
    response = Client(SERVER_NAME="127.0.0.1").post(
        "/oauth/v2/token", urlencode({"grant_type": "client_credentials"}), secure=True,
        content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=f"Basic {basic}")
    return {**plan, "token": json.loads(response.content)["access_token"]}


def _restore_seeded_groups(org_id: int, big_id: int, small_id: int, big_group_size: int) -> dict[int, list[str]]:
    """Both groups back to the members the seed gave them (a run's member PATCHes leave some out), and
    up to 2,000 of each group's members for the PATCH scenarios."""
    from django.db import connection

    from bench.seed import seeded_groups

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, public_id FROM scim_scimuser WHERE org_id = %s AND user_name NOT LIKE 'bench.%%' "
                       "ORDER BY id LIMIT %s", [org_id, big_group_size + 10])
        big_rows, small_rows = seeded_groups(cursor.fetchall(), big_group_size)
        seeded = {big_id: big_rows, small_id: small_rows}
        for group_id, group_rows in seeded.items():
            cursor.execute("INSERT INTO scim_groupmembership (org_id, group_id, user_id) "
                           "SELECT %s, %s, unnest(%s::bigint[]) ON CONFLICT DO NOTHING",
                           [org_id, group_id, [user_id for user_id, _ in group_rows]])
    return {group_id: [public_id for _, public_id in group_rows[:2000]] for group_id, group_rows in seeded.items()}


def restore_seeded_groups(plan: dict) -> None:
    """The plan's two groups back to the members the seed gave them."""
    from scim.models import Group
    from tenants.scoping import all_orgs_scope

    with all_orgs_scope():
        groups = {group.public_id: group for group in Group.objects.filter(
            public_id__in=[plan["big_group"], plan["small_group"]])}
    big, small = groups[plan["big_group"]], groups[plan["small_group"]]
    _restore_seeded_groups(big.org_id, big.pk, small.pk, BIG_GROUP_SIZE)


def _compact_user_counts() -> None:
    """What Celery beat runs every minute in production (scim.tasks): a run's POSTs leave one user-count
    delta each, which every later list would otherwise sum (1,500 rows instead of 123: +0.5 ms a list)."""
    from scim.tasks import compact_user_counts

    compact_user_counts()


def dataset() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in ("tenants_organization", "scim_scimuser", "scim_scimuseremail", "scim_group",
                      "scim_groupmembership"):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        counts["postgresql"] = cursor.fetchone()[0].split(" on ")[0]
    return counts


def start_gunicorn(app: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    """`app` under gunicorn with deploy/gunicorn.conf.py (sync workers, its hooks) on a loopback port."""
    env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    return subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), app, "-c",
                             str(ROOT / "deploy" / "gunicorn.conf.py")], cwd=ROOT, env=env)


def start_ours(port: int, workers: int, database_env: dict | None = None) -> subprocess.Popen:
    return start_gunicorn("config.wsgi", port, workers, {**(database_env or {}),
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{port}", "TRUST_X_FORWARDED_PROTO": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The limits stay on (their Redis round trips are part of every request), high enough not to bite.
        "SCIM_RATE_PER_CREDENTIAL": "1000000", "SCIM_RATE_PER_ORG": "1000000", "TOKEN_RATE_PER_CLIENT": "1000",
    })


def wait_for(port: int, server: subprocess.Popen, headers: dict | None = None) -> None:
    for _ in range(150):
        if server.poll() is not None:
            sys.exit("bench run: gunicorn exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/scim/v2/ServiceProviderConfig",
                               headers={"X-Forwarded-Proto": "https", **(headers or {})})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("bench run: gunicorn did not answer")


PGBOUNCER = "/usr/sbin/pgbouncer"
PGBOUNCER_POOL_SIZE = 10


def _pgbouncer(port: int, directory: Path) -> tuple[subprocess.Popen, dict]:
    """PgBouncer in transaction mode in front of the bench database, and the environment that points
    gunicorn at it. The session settings config.settings would send as `options` (which PgBouncer
    refuses) are set on each server connection by connect_query instead."""
    from django.conf import settings

    target = urlsplit(os.environ["DATABASE_URL"])
    database, user = target.path.lstrip("/"), target.username or "postgres"
    connect_query = "; ".join(f"SET {name} = {value}" for name, value in settings.DATABASE_SESSION_SETTINGS.items())
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(f"""[databases]
{database} = host={target.hostname} port={target.port or 5432} dbname={database} user={user} connect_query='{connect_query}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "users.txt"}
pool_mode = transaction
default_pool_size = {PGBOUNCER_POOL_SIZE}
max_client_conn = 1000
log_connections = 0
log_disconnections = 0
""")
    directory.chmod(0o755)  # PgBouncer refuses to run as root: as nobody, it must still read its files
    command = [PGBOUNCER, *(["-u", "nobody"] if os.geteuid() == 0 else []), str(directory / "pgbouncer.ini")]
    with open(directory / "pgbouncer.log", "w") as log:  # opened here: the child writes it as nobody
        process = subprocess.Popen(command, stdout=log, stderr=log)
    for _ in range(50):
        if process.poll() is not None:
            sys.exit(f"bench run: pgbouncer exited: {(directory / 'pgbouncer.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    url = f"postgres://{user}@127.0.0.1:{port}/{database}"
    return process, {"DATABASE_URL": url, "DATABASE_POOLER": "pgbouncer"}


def _pgbouncer_version() -> str:
    return subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True).stdout.splitlines()[0]


def take_token(plan: dict) -> str:
    """An access token from the real token endpoint (client credentials, HTTP Basic)."""
    basic = base64.b64encode(f"{plan['client_id']}:{plan['client_secret']}".encode()).decode()
    connection = http.client.HTTPConnection(plan["host"], plan["port"], timeout=10)
    connection.request("POST", "/oauth/v2/token", urlencode({"grant_type": "client_credentials"}), {
        "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded",
        "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = json.loads(response.read() or b"{}")
    if response.status != 200:
        sys.exit(f"bench run: the token endpoint answered {response.status}: {body}")
    return body["access_token"]


def drive(spec: dict) -> dict:
    """bench.load in its own process, for the spec its main() reads."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(spec, file)
    try:
        result = subprocess.run([sys.executable, "-m", "bench.load", file.name], cwd=ROOT, capture_output=True,
                                text=True, check=True)
    finally:
        os.unlink(file.name)
    return json.loads(result.stdout)


def measure(spec: dict, description: str, *, warmup: int, limit: int) -> dict:
    """A short warm-up (every worker warm, plans cached), then the measured drive."""
    drive({**spec, "limit": warmup})
    return {**drive({**spec, "limit": limit}), "description": description}


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def print_table(results: list[dict]) -> None:
    print(f"\n{'scenario':<20} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6}")
    for row in results:
        print(f"{row['scenario']:<20} {row['clients']:>7} {row['requests']:>8} {row['requests_per_second']:>8} "
              f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} {row['errors']:>6}")


def report_header() -> dict:
    """What every results file starts with: the commit, when, and the machine (the load average tells a
    busy machine's figures from an idle one's)."""
    return {"commit": commit(), "taken": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "platform": platform.platform(),
                        "python": platform.python_version()}}


def write_report(kind: str, label: str, report: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{kind}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}{'-' + label if label else ''}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")


def run_bench(*, duration: float, clients: int, workers: int, only: list[str], label: str, pgbouncer: bool) -> dict:
    port = free_port()
    plan = plan_for_big_org(port)
    counts = dataset()
    pooler_files = Path(tempfile.mkdtemp(prefix="bench-pgbouncer-"))
    pooler, database_env = _pgbouncer(free_port(), pooler_files) if pgbouncer else (None, {})
    server = start_ours(port, workers, database_env)
    try:
        wait_for(port, server)
        plan["token"] = take_token(plan)
        results = []
        for name, scenario_clients, description in SCENARIOS:
            if only and name not in only:
                continue
            _compact_user_counts()
            spec = {"plan": plan, "scenario": name, "clients": scenario_clients or clients, "duration": duration}
            row = measure(spec, description, warmup=WARMUP_REQUESTS, limit=MAX_REQUESTS_PER_CLIENT)
            results.append(row)
            print(f"{name:<20} p50 {row['p50_ms']:>8} ms  p95 {row['p95_ms']:>8} ms  {row['requests_per_second']:>7}/s"
                  f"  errors {row['errors']}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
        if pooler is not None:
            pooler.terminate()
            pooler.wait(30)
        shutil.rmtree(pooler_files)
    print_table(results)
    report = {
        **report_header(),
        "server": {"gunicorn_workers": workers, "worker_class": "sync", "debug": False,
                   "pooler": f"{_pgbouncer_version()}, transaction mode, pool of {PGBOUNCER_POOL_SIZE}" if pgbouncer else None},
        "dataset": counts, "org_users": plan["org_users"], "duration_per_scenario_s": duration,
        "scenarios": results,
    }
    write_report("run", label, report)
    return report
