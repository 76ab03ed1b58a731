"""`python -m bench seed`: users, e-mails, groups and memberships written with COPY.

Layout (issue 14): `orgs` orgs; the first ("Bench Big") holds 20% of the users and two groups, one of
min(50,000, its users) members and one of 10; the others share the rest evenly. With --interleave the
orgs' rows alternate in id order, as concurrent provisioning leaves them, so a scan of one org's rows
by primary key meets the others'. Usernames are first.last.N@orgK.example over 64 x 64 names, so
`userName sw "first.last."` selects about one user in 4,096 of an org.
"""

from __future__ import annotations

import hashlib
import io
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import psycopg

BIG_ORG_NAME = "Bench Big"
BIG_GROUP = "Bench 50k"
SMALL_GROUP = "Bench 10"
BIG_GROUP_SIZE = 50_000
CHUNK = 50_000

FIRST = ["ada", "alan", "alice", "amir", "ana", "anna", "arjun", "ben", "carla", "chen", "chloe", "dan", "diego",
         "elena", "emma", "eva", "farah", "felix", "grace", "hana", "hugo", "ines", "ivan", "jack", "jana", "john",
         "julia", "kai", "kim", "lara", "leo", "lina", "lucas", "maria", "mateo", "mia", "nadia", "nils", "noah",
         "nora", "olga", "omar", "paul", "petra", "quinn", "rafa", "rosa", "sam", "sara", "sofia", "tariq", "tom",
         "uma", "vera", "victor", "wei", "xena", "yara", "yusuf", "zane", "zoe", "bruno", "clara", "dora"]
LAST = ["smith", "jones", "garcia", "muller", "rossi", "kim", "nguyen", "silva", "kowalski", "novak", "ivanova",
        "tanaka", "sato", "dubois", "martin", "lopez", "gonzalez", "brown", "wilson", "taylor", "moore", "clark",
        "walker", "young", "king", "wright", "scott", "green", "baker", "adams", "nelson", "hill", "campbell",
        "mitchell", "roberts", "carter", "phillips", "evans", "turner", "torres", "parker", "collins", "edwards",
        "stewart", "flores", "morris", "murphy", "cook", "rogers", "morgan", "peterson", "cooper", "reed", "bailey",
        "bell", "gomez", "kelly", "howard", "ward", "cox", "diaz", "richardson", "wood", "watson"]


def user_name(org_index: int, k: int) -> str:
    return f"{FIRST[k % 64]}.{LAST[(k // 64) % 64]}.{k}@org{org_index}.example"


def person(org_index: int, k: int) -> tuple[str, str, str, str, bool]:
    """(given name, family name, userName, externalId, active) of the k-th user of an org: the one data
    shape both bench seeds (ours, and bench.stock's django-scim2 peer) write."""
    return (FIRST[k % 64].title(), LAST[(k // 64) % 64].title(), user_name(org_index, k), f"ext-{k}", k % 10 != 9)


def seeded_groups(big_org_users: list[int], big_group_size: int) -> tuple[list[int], list[int]]:
    """The members of the big group (the org's first users) and of the 10-member one (ten past them)."""
    big = big_org_users[:big_group_size]
    return big, big_org_users[len(big):len(big) + 10] or big_org_users[:10]


def public_id(prefix: str, n: int) -> str:
    return prefix + hashlib.md5(f"{prefix}{n}".encode()).hexdigest()


def org_of_each_user(users: int, orgs: int, interleave: bool) -> list[int]:
    """The org index (0 = the big one) of each user, in id order."""
    if orgs == 1:
        return [0] * users
    big = users // 5
    others = orgs - 1
    if not interleave:
        rest = users - big
        layout = [0] * big
        for index in range(others):
            layout += [index + 1] * (rest // others + (1 if index < rest % others else 0))
        return layout
    layout, next_small, big_left = [], 0, big
    for n in range(users):
        # One user in five is the big org's, as long as it has users left; the others round-robin.
        if big_left and (n % 5 == 0 or users - n == big_left):
            layout.append(0)
            big_left -= 1
        else:
            layout.append(next_small + 1)
            next_small = (next_small + 1) % others
    return layout


class Progress:
    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        elapsed = time.monotonic() - self.started
        share = self.done / self.total if self.total else 1
        bar = "#" * int(share * 30)
        rate = self.done / elapsed if elapsed else 0
        sys.stderr.write(f"\r{self.label:<12} [{bar:<30}] {self.done:>9,}/{self.total:,} {rate:>9,.0f}/s")
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write(f"  {time.monotonic() - self.started:.1f} s\n")


def copy_rows(cursor, table: str, columns: list[str], rows, total: int) -> None:
    """COPY rows (tuples of already-escaped text fields) into `table`, CHUNK rows per write."""
    progress = Progress(table.removeprefix("scim_"), total)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer, pending = io.StringIO(), 0
        for row in rows:
            buffer.write("\t".join(row))
            buffer.write("\n")
            pending += 1
            if pending == CHUNK:
                copy.write(buffer.getvalue())
                progress.advance(pending)
                buffer, pending = io.StringIO(), 0
        if pending:
            copy.write(buffer.getvalue())
            progress.advance(pending)
    progress.finish()


def recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def bulk_load(url: str):
    """A cursor for COPY, committed (synchronously) on the way out."""
    with psycopg.connect(url) as connection:
        # The settings' 10 s statement_timeout is for web requests: a COPY of a million rows takes longer.
        connection.execute("SET statement_timeout = 0")
        # The rows are consistent by construction: skip the deferred foreign-key checks (one trigger per
        # row at commit, which took 30 times as long as the COPY itself).
        connection.execute("SET session_replication_role = replica")
        yield connection.cursor()
        commit_started = time.monotonic()
        connection.commit()
        print(f"commit {time.monotonic() - commit_started:.1f} s", file=sys.stderr)


def vacuum_analyze(url: str, tables: list[str]) -> None:
    """As autovacuum would in production: statistics, and a visibility map for index-only scans (which
    VACUUM sets only for rows whose commit is flushed: bulk_load commits synchronously for that)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET statement_timeout = 0")
        vacuum_started = time.monotonic()
        for table in tables:
            connection.execute(f"VACUUM ANALYZE {table}")
        visible, pages = connection.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE relname = %s", [tables[0]]).fetchone()
        print(f"vacuum analyze {time.monotonic() - vacuum_started:.1f} s; {visible:,} of {pages:,} {tables[0]} pages "
              "all-visible (index-only scans need them)", file=sys.stderr)


def seed_database(*, users: int, orgs: int, interleave: bool, reset: bool, big_group_size: int = BIG_GROUP_SIZE) -> dict:
    import os

    url = os.environ["DATABASE_URL"]
    (recreate_database if reset else _ensure_database)(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    with bulk_load(url) as cursor:
        if cursor.execute("SELECT 1 FROM scim_scimuser LIMIT 1").fetchone():
            sys.exit("bench seed: the database already holds users; add --reset to start over.")
        dataset = _seed(cursor, users=users, orgs=orgs, interleave=interleave, big_group_size=big_group_size)
    from django.db import connections

    connections.close_all()  # no session of ours may hold back the horizon VACUUM marks pages visible by
    vacuum_analyze(url, ["scim_scimuser", "scim_scimuseremail", "scim_group", "scim_groupmembership",
                         "scim_usercount", "tenants_organization"])
    dataset["seconds"] = round(time.monotonic() - started, 1)
    print(f"seeded {users:,} users in {orgs:,} orgs ({'interleaved' if interleave else 'contiguous'}) "
          f"in {dataset['seconds']} s")
    return dataset


def _seed(cursor, *, users: int, orgs: int, interleave: bool, big_group_size: int) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    org_rows = [(public_id("OR", index), BIG_ORG_NAME if index == 0 else f"Bench {index:04d}") for index in range(orgs)]
    from scim.models import USER_ID_BUCKET_BITS
    from tenants.models import Organization

    # Through the ORM, so a column added to Organization later takes its default here too.
    organizations = Organization.objects.bulk_create(
        Organization(public_id=org_public_id, name=name, require_verified_domains=False)
        for org_public_id, name in org_rows)
    org_ids = [organization.pk for organization in organizations]

    layout = org_of_each_user(users, orgs, interleave)
    next_k = [0] * orgs
    big_users: list[int] = []  # ids of the big org's users, in order
    user_columns = ["id", "org_id", "public_id", "external_id", "user_name", "name_formatted", "family_name",
                    "given_name", "middle_name", "honorific_prefix", "honorific_suffix", "display_name", "nick_name",
                    "title", "user_type", "preferred_language", "locale", "timezone", "active", "phone_numbers",
                    "addresses", "employee_number", "cost_center", "organization", "division", "department",
                    "manager_id", "manager_display_name", "created", "last_modified", "version"]
    names: list[str] = [""] * users

    def user_rows():
        for n, org_index in enumerate(layout):
            k = next_k[org_index]
            next_k[org_index] = k + 1
            user_id = n + 1
            if org_index == 0:
                big_users.append(user_id)
            first, last, name, external_id, active = person(org_index, k)
            names[n] = name
            display = f"{first} {last}"
            yield (str(user_id), str(org_ids[org_index]), public_id("US", n), external_id, name, display, last,
                   first, "", "", "", display, "", "", "", "", "", "", "t" if active else "f", "[]", "[]",
                   str(k), "", "", "", "Engineering" if k % 3 else "Sales", "", "", now, now, "1")

    copy_rows(cursor, "scim_scimuser", user_columns, user_rows(), users)

    def email_rows():
        for n, org_index in enumerate(layout):
            yield str(n + 1), str(org_ids[org_index]), str(n + 1), names[n], "work", "t", ""

    copy_rows(cursor, "scim_scimuseremail", ["id", "org_id", "user_id", "value", "type", "\"primary\"", "display"],
          email_rows(), users)

    big_org = org_ids[0]
    group_ids = []
    for index, display_name in enumerate((BIG_GROUP, SMALL_GROUP)):
        group_ids.append(cursor.execute(
            "INSERT INTO scim_group (org_id, public_id, external_id, display_name, created, last_modified, version) "
            "VALUES (%s, %s, %s, %s, now(), now(), 1) RETURNING id",
            [big_org, public_id("GR", index), f"ext-group-{index}", display_name]).fetchone()[0])
    big_members, small_members = seeded_groups(big_users, big_group_size)
    memberships = [(group_ids[0], user) for user in big_members] + [(group_ids[1], user) for user in small_members]
    copy_rows(cursor, "scim_groupmembership", ["org_id", "group_id", "user_id"],
          ((str(big_org), str(group), str(user)) for group, user in memberships), len(memberships))

    # The COPY ran with triggers off (replica role): the per-org user counts they keep are filled here.
    cursor.execute(f"INSERT INTO scim_usercount (org_id, id_bucket, delta) SELECT org_id, id >> {USER_ID_BUCKET_BITS}, "
                   f"count(*) FROM scim_scimuser GROUP BY 1, 2")
    for table in ("scim_scimuser", "scim_scimuseremail"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return {"users": users, "orgs": orgs, "interleave": interleave, "big_org_users": len(big_users),
            "big_group_members": len(big_members), "small_group_members": len(small_members)}
