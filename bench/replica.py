"""`python -m bench replica`: what a streaming read replica can take off the primary, and how far behind it is.

The bench's own two clusters (tests.postgres_server, on free loopback ports; the shared cluster lets no
replication connection in): a primary seeded as `bench seed` seeds it, with fsync on as in production, and
a hot standby of it from pg_basebackup, streaming asynchronously (PostgreSQL's default: a commit does not
wait for the standby). Measured:

- a list page's reads (the statements of `GET /Users?startIndex=<random>&count=100` that read scim tables,
  captured in-process through the full middleware stack) run on the primary and on the standby,
  alternated: whether the standby serves the page as fast;
- how long a commit on the primary takes to become visible on the standby: a probe commits an UPDATE on the
  primary every 50 ms and polls the standby until it reads it; idle and under the mixed load (gunicorn on
  the primary, `clients` clients), with pg_stat_replication's replay_lag sampled alongside;
- what the standby costs the primary: the mixed load's requests/s with the standby streaming and with it
  stopped, alternated; the CPU of the primary's WAL sender and of the standby's processes, and the WAL
  written, per request.

Both clusters share this machine's cores with gunicorn and the load, so the standby's CPU is paid here,
not on a host of its own: the requests/s pair is an upper bound of that cost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.load import Requests, percentile
from bench.run import (
    ROOT, WARMUP_REQUESTS, MAX_REQUESTS_PER_CLIENT, drive, free_port, plan_for_big_org, plan_with_in_process_token,
    report_header, start_ours, take_token, wait_for, write_report,
)

LIST_PAGES = 50
PROBE_INTERVAL_SECONDS = 0.05
PROBE_POLL_SECONDS = 0.0005
PROBE_GIVE_UP_SECONDS = 10.0


def _psycopg(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _percentiles(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {"samples": 0}
    return {"samples": len(values), "p50_ms": round(percentile(values, 0.50), 2),
            "p95_ms": round(percentile(values, 0.95), 2), "max_ms": round(values[-1], 2)}


class _ScimReads:
    """An execute wrapper that keeps the SELECTs that read scim tables (the page, its count), in order."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if "scim_" in sql and sql.lstrip().upper().startswith("SELECT"):
            self.statements.append((sql, params))
        return execute(sql, params, many, context)


def capture_list_reads(pages: int) -> list[list[tuple[str, object]]]:
    """The scim reads of `pages` list requests at random startIndex, sent through the whole stack in-process."""
    from django.db import connection
    from django.test import Client

    plan = plan_with_in_process_token()
    client, requests = Client(SERVER_NAME="127.0.0.1"), Requests(plan, seed="replica-lists")
    captured = []
    for _ in range(pages):
        method, path, _body = requests.list_random()
        reads = _ScimReads()
        with connection.execute_wrapper(reads):
            response = client.generic(method, path, secure=True, headers={"Authorization": f"Bearer {plan['token']}"})
        if response.status_code != 200 or not reads.statements:
            sys.exit(f"bench replica: {path} answered {response.status_code} with {len(reads.statements)} scim reads")
        captured.append(reads.statements)
    return captured


def time_list_reads(pages: list[list[tuple[str, object]]], urls: dict[str, str]) -> dict:
    """Each page's reads on each server in turn (the order swapped every page); milliseconds, round trips in."""
    connections = {name: _psycopg(url) for name, url in urls.items()}
    times: dict[str, list[float]] = {name: [] for name in urls}
    try:
        for index, statements in enumerate(pages * 2):  # the first pass warms both servers' caches
            names = list(urls) if index % 2 else list(reversed(urls))
            for name in names:
                started = time.perf_counter()
                for sql, params in statements:
                    connections[name].execute(sql, params).fetchall()
                if index >= len(pages):
                    times[name].append((time.perf_counter() - started) * 1000)
    finally:
        for connection in connections.values():
            connection.close()
    return {name: _percentiles(values) for name, values in times.items()}


class VisibilityProbe(threading.Thread):
    """Commits `n = n + 1` on the primary every PROBE_INTERVAL_SECONDS and times until the standby reads it."""

    def __init__(self, primary_url: str, standby_url: str):
        super().__init__(daemon=True)
        self.primary_url, self.standby_url = primary_url, standby_url
        self.stopping = threading.Event()
        self.visible_after_ms: list[float] = []
        self.replay_lag_ms: list[float] = []
        self.lost = 0

    def run(self) -> None:
        with _psycopg(self.primary_url) as primary, _psycopg(self.standby_url) as standby:
            while not self.stopping.is_set():
                n = primary.execute("UPDATE bench_replica_probe SET n = n + 1 RETURNING n").fetchone()[0]
                committed = time.perf_counter()
                while standby.execute("SELECT n FROM bench_replica_probe").fetchone()[0] < n:
                    if time.perf_counter() - committed > PROBE_GIVE_UP_SECONDS:
                        self.lost += 1
                        break
                    time.sleep(PROBE_POLL_SECONDS)
                else:
                    self.visible_after_ms.append((time.perf_counter() - committed) * 1000)
                lag = primary.execute("SELECT extract(epoch FROM replay_lag) * 1000 FROM pg_stat_replication").fetchone()
                if lag and lag[0] is not None:
                    self.replay_lag_ms.append(float(lag[0]))
                self.stopping.wait(PROBE_INTERVAL_SECONDS)

    def stop(self) -> dict:
        self.stopping.set()
        self.join(PROBE_GIVE_UP_SECONDS + 5)
        return {"visible_after": _percentiles(self.visible_after_ms), "replay_lag": _percentiles(self.replay_lag_ms),
                "lost": self.lost}


def prepare_probe(primary_url: str, standby_url: str) -> None:
    """The probe's one-row table, in the clusters' `postgres` database (not the product's), on both sides."""
    with _psycopg(primary_url) as primary:
        primary.execute("CREATE TABLE IF NOT EXISTS bench_replica_probe (n bigint NOT NULL)")
        primary.execute("INSERT INTO bench_replica_probe SELECT 0 WHERE NOT EXISTS (SELECT FROM bench_replica_probe)")
        target = primary.execute("SELECT n FROM bench_replica_probe").fetchone()[0]
    wait_until_standby_reads(standby_url, target)


def wait_until_standby_reads(standby_url: str, n: int) -> None:
    for _ in range(600):
        try:
            with _psycopg(standby_url) as standby:
                row = standby.execute("SELECT n FROM bench_replica_probe").fetchone()
                if row and row[0] >= n:
                    return
        except Exception:  # starting up, or the table not replayed yet
            pass
        time.sleep(0.1)
    sys.exit("bench replica: the standby did not catch up in 60 s")


def _wal_senders(primary) -> list[int]:
    return [pid for pid in primary.pids()
            if b"walsender" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # ended since it was listed
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _wal_lsn(primary_url: str) -> int:
    with _psycopg(primary_url) as primary:
        return int(primary.execute("SELECT pg_current_wal_lsn() - '0/0'").fetchone()[0])


def measure_mixed(plan: dict, *, clients: int, duration: float, primary, primary_url: str, standby=None,
                  probe_urls: tuple[str, str] | None = None) -> dict:
    """The mixed load against the primary; with a standby, the probe runs and its processes' CPU is counted."""
    spec = {"plan": plan, "scenario": "mixed", "clients": clients, "duration": duration}
    drive({**spec, "limit": WARMUP_REQUESTS})
    senders = _wal_senders(primary) if standby else []
    standby_pids = standby.pids() if standby else []
    cpu_before = (_cpu_seconds(senders), _cpu_seconds(standby_pids), _own_cpu_seconds())
    wal_before = _wal_lsn(primary_url)
    probe = VisibilityProbe(*probe_urls) if standby else None
    if probe:
        probe.start()
    row = drive({**spec, "limit": MAX_REQUESTS_PER_CLIENT})
    lag = probe.stop() if probe else None
    requests = max(1, row["requests"])
    row.update({"standby": bool(standby), "wal_bytes_per_request": round((_wal_lsn(primary_url) - wal_before) / requests)})
    if standby:
        spent = (_cpu_seconds(senders), _cpu_seconds(standby_pids), _own_cpu_seconds())
        sender_ms, standby_ms, probe_ms = ((after - before) * 1000 / requests for after, before in zip(spent, cpu_before))
        # The probe's client runs on these cores too, in the streaming runs only: its share is shown apart.
        row.update({"wal_sender_cpu_ms_per_request": round(sender_ms, 3), "standby_cpu_ms_per_request": round(standby_ms, 3),
                    "probe_cpu_ms_per_request": round(probe_ms, 3), "lag": lag})
    return row


def _own_cpu_seconds() -> float:
    """This process's CPU (the probe's thread; the load runs in a child, which os.times() counts apart)."""
    times = os.times()
    return times.user + times.system


def replica_bench(*, users: int, orgs: int, duration: float, clients: int, workers: int, rounds: int,
                  label: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.postgres_server import PrivatePostgres

    primary = PrivatePostgres()
    standby = None
    server = None
    try:
        primary.start(fsync="on")  # a commit's WAL flush is part of what the standby follows
        primary_url = primary.url("idadmin_bench")
        print(f"bench replica: seeding a private primary on port {primary.port}", flush=True)
        subprocess.run([sys.executable, "-m", "bench", "seed", "--users", str(users), "--orgs", str(orgs),
                        "--interleave", "--reset"], cwd=ROOT, env={**os.environ, "DATABASE_URL": primary_url},
                       check=True)
        print("bench replica: base backup to the standby", flush=True)
        started = time.perf_counter()
        standby = PrivatePostgres(standby_of=primary)
        base_backup_seconds = round(time.perf_counter() - started, 1)
        standby.start(fsync="on")
        probe_urls = (primary.url("postgres"), standby.url("postgres"))
        prepare_probe(*probe_urls)

        os.environ["DATABASE_URL"] = primary_url  # this process's Django: the plan and the captured reads
        list_reads = time_list_reads(capture_list_reads(LIST_PAGES),
                                     {"primary": primary_url, "standby": standby.url("idadmin_bench")})
        print(f"list page reads: primary {list_reads['primary']['p50_ms']} ms, "
              f"standby {list_reads['standby']['p50_ms']} ms (p50)", flush=True)

        idle_probe = VisibilityProbe(*probe_urls)
        idle_probe.start()
        time.sleep(min(duration, 5))
        idle_lag = idle_probe.stop()
        print(f"idle: visible on the standby after {idle_lag['visible_after']}", flush=True)

        port = free_port()
        plan = plan_for_big_org(port)
        server = start_ours(port, workers, {"DATABASE_URL": primary_url})
        wait_for(port, server)
        plan["token"] = take_token(plan)
        mixed = []
        for _ in range(rounds):
            for streaming in (True, False):
                if streaming and not (standby.data / "postmaster.pid").exists():
                    standby.start(fsync="on")
                    with _psycopg(probe_urls[0]) as connection:
                        wait_until_standby_reads(probe_urls[1], connection.execute(
                            "SELECT n FROM bench_replica_probe").fetchone()[0])
                if not streaming:
                    standby.stop()
                row = measure_mixed(plan, clients=clients, duration=duration, primary=primary, primary_url=primary_url,
                                    standby=standby if streaming else None, probe_urls=probe_urls)
                mixed.append(row)
                extra = (f"  visible after p50 {row['lag']['visible_after'].get('p50_ms')} "
                         f"p95 {row['lag']['visible_after'].get('p95_ms')} ms; WAL sender "
                         f"{row['wal_sender_cpu_ms_per_request']} ms, standby {row['standby_cpu_ms_per_request']} ms, probe "
                         f"{row['probe_cpu_ms_per_request']} ms CPU a request" if streaming else "")
                print(f"mixed, standby {'streaming' if streaming else 'stopped  '}: {row['requests_per_second']} req/s, "
                      f"p99 {row['p99_ms']} ms, errors {row['errors']}, WAL {row['wal_bytes_per_request']} B a request"
                      f"{extra}", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.remove()
    report = {**report_header(), "dataset": {"users": users, "orgs": orgs, "interleaved": True},
              "server": {"gunicorn_workers": workers, "clients": clients, "duration_per_run_s": duration},
              "base_backup_seconds": base_backup_seconds, "list_page_reads": list_reads, "idle_lag": idle_lag,
              "mixed": mixed}
    write_report("replica", label, report)
    return report
