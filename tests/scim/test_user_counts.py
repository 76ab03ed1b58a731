"""An org's user count (a list's totalResults without a filter) is kept by triggers as deltas: exact
after every kind of write, after compaction, and under concurrent creates and compactions."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scim.models import ScimUser, UserCount
from scim.selectors import scim_user_count
from scim.tasks import USER_COUNT_ROWS_KEPT, compact_user_counts
from tenants.scoping import org_scope

from .conftest import body_of, scim_client_for, user_body


def counted(org) -> tuple[int, int]:
    """(the kept count, a real COUNT)"""
    with org_scope(org):
        return scim_user_count(org=org), ScimUser.objects.count()


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


def test_compaction_folds_an_orgs_deltas_into_one_row_and_keeps_the_total(scim, scim_org, other_scim_org):
    for n in range(USER_COUNT_ROWS_KEPT + 1):
        scim.post("/Users", user_body(f"u{n}@example.com"))
    scim_client_for(Client(), other_scim_org).post("/Users", user_body("other@example.com"))
    assert compact_user_counts() == 1  # the other org has one row: nothing to fold
    with org_scope(scim_org):
        assert UserCount.objects.count() == 1
    assert counted(scim_org) == (USER_COUNT_ROWS_KEPT + 1,) * 2 and counted(other_scim_org) == (1, 1)


def test_deltas_of_an_org_that_no_longer_exists_are_dropped(scim, scim_org):
    scim.post("/Users", user_body("u@example.com"))
    gone = scim_org.pk + 1000
    with connection.cursor() as cursor:  # as the triggers leave them while a deleted org's users go
        cursor.execute("INSERT INTO scim_usercount (org_id, delta) VALUES (%s, -1)", [gone])
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
