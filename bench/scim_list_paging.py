"""Benchmark: SCIM list and read latency as an org grows (DESIGN.md invariant 5).

Runs in-process against its own PostgreSQL database (idadmin_bench, created and migrated here), with
an org of USERS users plus a second org of the same size, so every query has to filter by org.
Prints a table and writes bench/results/scim_list_paging.json.

Targets (what the product promises; the run reports pass or fail for each, it never asserts):
- GET /Users?count=100 median under 60 ms at startIndex 1;
- the same page at startIndex 100,000 within 2x of startIndex 1 (cost independent of offset);
- GET /Users/{id} median under 15 ms.

Usage: make bench  (BENCH_USERS=200000 by default; a first run spends about a minute seeding)
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idadmin_bench")
os.environ["LOG_LEVEL"] = "WARNING"  # one request log line per timed request would skew the timings

USERS = int(os.environ.get("BENCH_USERS", "200000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "15"))


def ensure_database():
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def seed(org_name: str):
    from django.db import connection

    from oauthapps import scopes
    from oauthapps.services import scim_token_create
    from tenants.audit import Actor
    from scim.models import ScimUser
    from tenants.models import Organization
    from tenants.scoping import org_scope

    org, created = Organization.objects.get_or_create(name=org_name)
    with org_scope(org):
        existing = ScimUser.objects.count()
    if existing < USERS:
        # One INSERT ... SELECT generate_series: seeding 200,000 rows through the ORM would dominate the run.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO scim_scimuser (org_id, public_id, user_name, active, created, last_modified, version,
                    name_formatted, family_name, given_name, middle_name, honorific_prefix, honorific_suffix,
                    display_name, nick_name, title, user_type, preferred_language, locale, timezone,
                    phone_numbers, addresses, employee_number, cost_center, organization, division, department,
                    manager_id, manager_display_name)
                SELECT %s, 'US' || md5(%s || n::text), 'user' || n || '@' || %s, true, now(), now(), 1,
                    '', 'Family' || n, 'Given', '', '', '', 'User ' || n, '', '', '', '', '', '',
                    '[]'::jsonb, '[]'::jsonb, '', '', '', '', '', '', ''
                FROM generate_series(%s, %s) AS n
                """,
                [org.pk, org_name, org_name.lower() + ".example", existing + 1, USERS],
            )
    # As autovacuum would in production: the visibility map lets COUNT(*) use an index-only scan.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE scim_scimuser")
    _, raw = scim_token_create(org=org, actor=Actor.system(), name="bench", scopes=list(scopes.MANAGED_USERS))
    return org, raw


def median_ms(client, path, token, repeats=REPEATS):
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return round(statistics.median(timings), 2)


def main():
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from scim.models import ScimUser
    from tenants.scoping import org_scope

    call_command("migrate", verbosity=0)
    org, token = seed("BenchA")
    seed("BenchB")
    with org_scope(org):
        some_user = ScimUser.objects.order_by("id")[USERS // 2].public_id

    client = Client(SERVER_NAME="127.0.0.1")
    client.get("/scim/v2/Users?count=1", HTTP_AUTHORIZATION=f"Bearer {token}")  # warm-up
    deep_index = min(100_000, USERS - 100)
    results = {
        "users_per_org": USERS,
        "list_100_at_1_ms": median_ms(client, "/scim/v2/Users?startIndex=1&count=100", token),
        f"list_100_at_{deep_index}_ms": median_ms(client, f"/scim/v2/Users?startIndex={deep_index}&count=100", token),
        "get_one_ms": median_ms(client, f"/scim/v2/Users/{some_user}", token),
        "filter_username_eq_ms": median_ms(
            client, '/scim/v2/Users?filter=userName%20eq%20%22user12345@bencha.example%22', token
        ),
    }
    shallow, deep = results["list_100_at_1_ms"], results[f"list_100_at_{deep_index}_ms"]
    results["targets"] = {
        "list_100_under_60_ms": shallow < 60,
        "deep_page_within_2x": deep <= 2 * shallow,
        "get_one_under_15_ms": results["get_one_ms"] < 15,
    }
    out = ROOT / "bench" / "results" / "scim_list_paging.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
