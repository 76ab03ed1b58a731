"""The peer's data, with COPY: the layout `bench.seed` gives our one-org database (the same users in the
same id order, one e-mail each, the big group and the 10-member one), in django-scim2's tables."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.seed import BIG_GROUP, SMALL_GROUP, bulk_load, copy_rows, person, recreate_database, seeded_groups, vacuum_analyze

ROOT = Path(__file__).resolve().parents[2]


def seed_stock(url: str, *, users: int, big_group_size: int) -> dict:
    recreate_database(url)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.stock.settings", "STOCK_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "django", "migrate", "--run-syncdb", "--verbosity", "0"], cwd=ROOT, env=env,
                   check=True)
    started = time.monotonic()
    now = datetime.now(timezone.utc).isoformat()
    with bulk_load(url) as cursor:
        def user_rows():
            for k in range(users):
                first, last, name, external_id, active = person(0, k)
                # scim_id is the row id, as AbstractSCIMCommonAttributesMixin.set_scim_id makes it.
                yield (str(k + 1), str(k + 1), external_id, name, name, first, last, name, "t" if active else "f",
                       now, now, "")

        copy_rows(cursor, "stock_user", ["id", "scim_id", "scim_external_id", "scim_username", "username", "first_name",
                                         "last_name", "email", "is_active", "created", "last_modified", "password"],
                  user_rows(), users)
        group_ids = [cursor.execute(
            "INSERT INTO stock_group (scim_id, scim_external_id, scim_display_name, name, created, last_modified) "
            "VALUES (NULL, %s, %s, %s, now(), now()) RETURNING id", [f"ext-group-{index}", name, name]).fetchone()[0]
            for index, name in enumerate((BIG_GROUP, SMALL_GROUP))]
        cursor.execute("UPDATE stock_group SET scim_id = id::text")
        big, small = seeded_groups(list(range(1, users + 1)), big_group_size)
        memberships = [(group_ids[0], user) for user in big] + [(group_ids[1], user) for user in small]
        copy_rows(cursor, "stock_user_scim_groups", ["group_id", "user_id"],
                  ((str(group), str(user)) for group, user in memberships), len(memberships))
        cursor.execute("SELECT setval(pg_get_serial_sequence('stock_user', 'id'), %s)", [users])
    vacuum_analyze(url, ["stock_user", "stock_group", "stock_user_scim_groups"])
    seconds = round(time.monotonic() - started, 1)
    print(f"seeded the django-scim2 peer: {users:,} users, a {len(big):,}-member group in {seconds} s")
    return {"users": users, "big_group_members": len(big), "small_group_members": len(small), "seconds": seconds}
