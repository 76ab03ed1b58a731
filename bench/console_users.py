"""Timings of the console's Users page and Overview counts at 200,000 users in one org (not a test).

Run against a database of its own (createdb idadmin_console_bench; it migrates it and adds rows):
    DEBUG=1 SECRET_KEY=bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/idadmin_console_bench \
        .venv/bin/python bench/console_users.py [users]
Targets: every Users page, first or deep, filtered by status or not, under 50 ms; the Overview's counts
(one aggregate over the org's users: counting cannot avoid reading them) under 150 ms.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from scim import selectors  # noqa: E402
from scim.console import overview_provisioning_section  # noqa: E402
from scim.models import ScimUser  # noqa: E402
from tenants.models import Organization  # noqa: E402
from tenants.scoping import org_scope  # noqa: E402

TARGET_MS = 50
COUNTS_TARGET_MS = 150


def seed(org, count):
    with org_scope(org):
        have = ScimUser.objects.count()
        batch = [ScimUser(org=org, user_name=f"user{n:07d}@bench.example", active=n % 10 != 0) for n in range(have, count)]
        ScimUser.objects.bulk_create(batch, batch_size=5000)


def timed(label, call, target=TARGET_MS):
    start = time.perf_counter()
    call()
    elapsed = (time.perf_counter() - start) * 1000
    print(f"{label:<40} {elapsed:7.1f} ms {'ok' if elapsed < target else 'SLOW'}")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    call_command("migrate", verbosity=0)
    org, _ = Organization.objects.get_or_create(name="Bench")
    seed(org, count)
    call_command("dbshell", "--", "-c", "ANALYZE scim_scimuser;")
    request = type("Request", (), {"org": org})()
    with org_scope(org):
        deep_key = f"user{count - 100:07d}@bench.example"
        selectors.directory_users_page(org=org)  # warm-up: the first query also pays for plan caching
        timed("first page", lambda: selectors.directory_users_page(org=org))
        timed("deep page (after ~all users)", lambda: selectors.directory_users_page(org=org, after=deep_key))
        timed("deactivated only, first page", lambda: selectors.directory_users_page(org=org, active="no"))
        timed("overview counts and last events", lambda: overview_provisioning_section(request), COUNTS_TARGET_MS)


if __name__ == "__main__":
    main()
