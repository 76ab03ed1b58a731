"""`python -m bench compare`: ours and stock django-scim2 0.23.0 side by side, in one run (issue 14).

Both databases hold the same data (bench.seed's one-org layout; bench.stock.seed copies it into the
peer's tables): `users` users with one e-mail each, a `group_size`-member group and a 10-member one. Both
servers run under gunicorn with deploy/gunicorn.conf.py (sync workers, DEBUG off) on loopback ports.
One client (bench.load, its own process) alternates request by request, ours then the peer's, with the
same request for both: the same users, by userName, under each server's ids. Per scenario it reports
each side's p50 and the median of per-pair ratios, peer time / ours (above 1: we are faster). A scenario
where either side answered an error has no ratio. Writes bench/results/compare-<time>.json.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

from bench.run import (ROOT, dataset, free_port, measure, plan_for_big_org, report_header, start_gunicorn, start_ours,
                       take_token, wait_for, write_report)
from bench.seed import BIG_GROUP, SMALL_GROUP, seed_database, seeded_groups

SCENARIOS = [
    ("get_user", "GET /Users/{id}"),
    ("eq_username", 'GET /Users?filter=userName eq "..."'),
    ("eq_external_id", 'GET /Users?filter=externalId eq "..."'),
    ("list_first_50", "GET /Users?startIndex=1&count=50"),
    ("list_first", "GET /Users?startIndex=1&count=100"),
    ("sw_prefix", 'GET /Users?filter=userName sw "first.last."&count=100'),
    ("sw_page", 'GET /Users?filter=userName sw "first."&count=100'),
    ("get_big_group", "GET /Groups/{big group}"),
    ("patch_member_big", "PATCH /Groups/{big group}: remove, or add back, one member"),
    ("post_user", "POST /Users"),
]
WARMUP_PAIRS = 10
MAX_PAIRS = 2000


def _seeded_users(url: str, table: str, column: str) -> int | None:
    """How many seeded (not bench-posted) users the database holds; None if it has no such table."""
    try:
        with psycopg.connect(url) as connection:
            return connection.execute(f"SELECT count(*) FROM {table} WHERE {column} NOT LIKE 'bench.%%'").fetchone()[0]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None


def _seed(ours_url: str, stock_url: str, *, users: int, group_size: int, reset: bool) -> None:
    """Seed either database that does not hold exactly `users` users (both with --reset)."""
    from bench.stock.seed import seed_stock

    if reset or _seeded_users(ours_url, "scim_scimuser", "user_name") != users:
        seed_database(users=users, orgs=1, interleave=False, reset=True, big_group_size=group_size)
    if reset or _seeded_users(stock_url, "stock_user", "username") != users:
        seed_stock(stock_url, users=users, big_group_size=group_size)


def _user_names(public_ids: list[str]) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT public_id, user_name FROM scim_scimuser WHERE public_id = ANY(%s)", [public_ids])
        names = dict(cursor.fetchall())
    return [names[public_id] for public_id in public_ids]


def _peer_plan(ours: dict, url: str, port: int, group_size: int, token: str) -> dict:
    """Our plan, translated to the peer's ids by userName (the same users, in the same order, so one
    random draw picks the same user on both sides); its groups restored to their seeded members. A
    sampled user the peer lacks (created on our side outside a compare run) leaves both plans."""
    with psycopg.connect(url) as connection:
        groups = dict(connection.execute("SELECT name, id FROM stock_group WHERE name = ANY(%s)",
                                         [[BIG_GROUP, SMALL_GROUP]]).fetchall())
        seeded = [row[0] for row in connection.execute(
            "SELECT id FROM stock_user WHERE username NOT LIKE 'bench.%%' ORDER BY id LIMIT %s", [group_size + 10])]
        for group, members in zip((BIG_GROUP, SMALL_GROUP), seeded_groups(seeded, group_size)):
            connection.execute("INSERT INTO stock_user_scim_groups (group_id, user_id) "
                               "SELECT %s, unnest(%s::bigint[]) ON CONFLICT DO NOTHING", [groups[group], members])
        big_names, small_names = _user_names(ours["big_group_members"]), _user_names(ours["small_group_members"])
        names = [user["userName"] for user in ours["users"]] + big_names + small_names
        ids = dict(connection.execute("SELECT username, scim_id FROM stock_user WHERE username = ANY(%s)",
                                      [names]).fetchall())
    ours["users"] = [user for user in ours["users"] if user["userName"] in ids]
    return {
        **ours, "port": port, "token": token,
        "users": [{**user, "id": ids[user["userName"]]} for user in ours["users"]],
        "big_group": str(groups[BIG_GROUP]), "big_group_members": [ids[name] for name in big_names],
        "small_group": str(groups[SMALL_GROUP]), "small_group_members": [ids[name] for name in small_names],
    }


def _ratio_cell(row: dict) -> str:
    if row["ratio_median"] is None:
        return "ERROR " + " / ".join(",".join(side["statuses"]) for side in row["sides"])
    return f"{row['ratio_median']}x ({row['ratio_p25']}-{row['ratio_p75']})"


def print_table(rows: list[dict]) -> None:
    print(f"\n{'scenario':<18} {'pairs':>6} {'ours p50':>9} {'peer p50':>9}  {'peer/ours: median (IQR)':<26} answers")
    for row in rows:
        ours, peer = row["sides"]
        print(f"{row['scenario']:<18} {row['pairs']:>6} {ours['p50_ms']:>9} {peer['p50_ms']:>9}  "
              f"{_ratio_cell(row):<26} {'agree' if row['shapes_agree'] else 'DIFFER'}")


def compare_bench(*, users: int, group_size: int, duration: float, workers: int, only: list[str], label: str,
                  reset: bool) -> dict:
    ours_url, stock_url = os.environ["DATABASE_URL"], os.environ["STOCK_DATABASE_URL"]
    _seed(ours_url, stock_url, users=users, group_size=group_size, reset=reset)
    with psycopg.connect(ours_url) as connection:
        # The peer sends no welcome e-mail: ours doesn't either here, so POST compares the same work.
        connection.execute("UPDATE tenants_organization SET send_welcome_emails = false")
    ours_port, peer_port = free_port(), free_port()
    plan = plan_for_big_org(ours_port, group_size)
    plan["remove_members_by_value"] = True  # the one member-removal shape django-scim2 implements (Entra's)
    counts = dataset()
    peer_env = {"DJANGO_SETTINGS_MODULE": "bench.stock.settings", "STOCK_DATABASE_URL": stock_url}
    peer_token = subprocess.run([sys.executable, "-m", "bench.stock.auth"], cwd=ROOT, env={**os.environ, **peer_env},
                                capture_output=True, text=True, check=True).stdout.strip()
    peer = _peer_plan(plan, stock_url, peer_port, group_size, peer_token)
    servers = [start_ours(ours_port, workers)]
    try:
        servers.append(start_gunicorn("bench.stock.wsgi", peer_port, workers, peer_env))
        wait_for(ours_port, servers[0])
        wait_for(peer_port, servers[1], {"Authorization": f"Bearer {peer_token}"})
        plan["token"] = take_token(plan)
        rows = []
        for name, description in SCENARIOS:
            if only and name not in only:
                continue
            row = measure({"plans": [plan, peer], "scenario": name, "duration": duration}, description,
                          warmup=WARMUP_PAIRS, limit=MAX_PAIRS)
            rows.append(row)
            print(f"{name:<18} ours {row['sides'][0]['p50_ms']:>8} ms  peer {row['sides'][1]['p50_ms']:>8} ms  "
                  f"{_ratio_cell(row)}", flush=True)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
    print_table(rows)
    report = {
        **report_header(),
        "server": {"gunicorn_workers": workers, "worker_class": "sync", "debug": False},
        "peer": "django-scim2 0.23.0 (bench/stock)", "ratio": "peer time / ours, median of per-pair ratios",
        "dataset": {**counts, "users": users, "group_size": group_size}, "duration_per_scenario_s": duration,
        "scenarios": rows,
    }
    write_report("compare", label, report)
    return report

