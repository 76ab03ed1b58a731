"""An org's user count (a list's totalResults without a filter) is kept by triggers as deltas: exact
after every kind of write, after compaction, and under concurrent creates and compactions."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scim.models import USER_ID_BUCKET_BITS, ScimUser, UserCount
from scim.selectors import scim_user_count
from scim.tasks import USER_COUNT_ROWS_KEPT, compact_user_counts
from tenants.scoping import org_scope

from .conftest import body_of, scim_client_for, user_body


def counted(org) -> tuple[int, int]:
    """(the kept count, a real COUNT)"""
    with org_scope(org):
        return scim_user_count(org=org), ScimUser.objects.count()


def by_bucket(org) -> tuple[dict, dict]:
    """(the kept counts of each bucket of ids, real ones): where a page in id order starts depends on them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_bucket, sum(delta)::bigint FROM scim_usercount WHERE org_id = %s GROUP BY 1 HAVING sum(delta) <> 0",
                       [org.pk])
        kept = dict(cursor.fetchall())
        cursor.execute(f"SELECT id >> {USER_ID_BUCKET_BITS}, count(*) FROM scim_scimuser WHERE org_id = %s GROUP BY 1",
                       [org.pk])
        return kept, dict(cursor.fetchall())


def test_the_count_follows_creates_deletes_and_bulk_deletes(scim, scim_org, other_scim_org):
    ids = [body_of(scim.post("/Users", user_body(f"u{n}@example.com")))["id"] for n in range(5)]
    scim_client_for(Client(), other_scim_org).post("/Users", user_body("other@example.com"))
    assert counted(scim_org) == (5, 5) and counted(other_scim_org) == (1, 1)
    assert scim.delete(f"/Users/{ids[0]}").status_code == 204
    with org_scope(scim_org):
        ScimUser.objects.filter(public_id__in=ids[1:3]).delete()  # one statement, two rows
    assert counted(scim_org) == (2, 2) and counted(other_scim_org) == (1, 1)


def test_an_unfiltered_list_counts_no_users(scim):
    for n in range(3):
        scim.post("/Users", user_body(f"u{n}@example.com"))
    with CaptureQueriesContext(connection) as captured:
        body = body_of(scim.get("/Users?count=2"))
    assert body["totalResults"] == 3 and len(body["Resources"]) == 2
    assert not any("COUNT(" in query["sql"] and '"scim_scimuser"' in query["sql"] for query in captured.captured_queries)


def next_bucket_of_ids():
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('scim_scimuser', 'id'), "
                       "(nextval(pg_get_serial_sequence('scim_scimuser', 'id')) >> %s) + 1 << %s)",
                       [USER_ID_BUCKET_BITS] * 2)


def test_compaction_folds_an_orgs_deltas_into_one_row_per_bucket_and_keeps_the_total(scim, scim_org, other_scim_org):
    next_bucket_of_ids()
    for n in range(USER_COUNT_ROWS_KEPT + 2):  # two buckets' rows and KEPT more
        if n == 5:
            next_bucket_of_ids()
        scim.post("/Users", user_body(f"u{n}@example.com"))
    scim_client_for(Client(), other_scim_org).post("/Users", user_body("other@example.com"))
    assert compact_user_counts() == 1  # the other org has one row: nothing to fold
    with org_scope(scim_org):
        assert sorted(UserCount.objects.values_list("delta", flat=True)) == [5, USER_COUNT_ROWS_KEPT - 3]
    assert counted(scim_org) == (USER_COUNT_ROWS_KEPT + 2,) * 2 and counted(other_scim_org) == (1, 1)
    kept, real = by_bucket(scim_org)
    assert kept == real


def test_deltas_of_an_org_that_no_longer_exists_are_dropped(scim, scim_org):
    scim.post("/Users", user_body("u@example.com"))
    gone = scim_org.pk + 1000
    with connection.cursor() as cursor:  # as the triggers leave them while a deleted org's users go
        cursor.execute("INSERT INTO scim_usercount (org_id, id_bucket, delta) VALUES (%s, 0, -1)", [gone])
        compact_user_counts()
        cursor.execute("SELECT org_id FROM scim_usercount")
        assert [row[0] for row in cursor.fetchall()] == [scim_org.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_and_compactions_keep_the_count_exact(scim_org):
    token = scim_client_for(Client(), scim_org).auth.removeprefix("Bearer ")
    writers, per_writer = 6, 15
    start = threading.Barrier(writers + 1, timeout=30)
    errors = []

    def create(index):
        from .conftest import ScimClient

        try:
            client = ScimClient(Client(), token)
            start.wait()
            for n in range(per_writer):
                if index == 0 and n == per_writer // 2:
                    next_bucket_of_ids()  # the creates go on in the next bucket of ids
                assert client.post("/Users", user_body(f"w{index}.{n}@example.com")).status_code == 201
        except Exception as error:  # noqa: BLE001  (reported below, with the thread's count)
            errors.append(error)
        finally:
            connections.close_all()

    def compact():
        try:
            start.wait()
            while any(thread.is_alive() for thread in threads):
                compact_user_counts()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(index,)) for index in range(writers)]
    compactor = threading.Thread(target=compact)
    for thread in [*threads, compactor]:
        thread.start()
    for thread in [*threads, compactor]:
        thread.join(timeout=120)
    assert not errors
    assert counted(scim_org) == (writers * per_writer,) * 2
    kept, real = by_bucket(scim_org)
    assert kept == real and len(real) == 2
