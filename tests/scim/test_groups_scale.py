"""Membership writes cost O(k) whatever the group's size; a 50,000-member GET streams; concurrent
PATCHes of one group both land. Rows for the big group are made with INSERT ... SELECT generate_series."""

import json
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scim.models import USER_ID_BUCKET_BITS, Group, GroupMembership, ScimUser
from tenants.scoping import org_scope

from .conftest import ScimClient, body_of, count_queries_of, group_body, make_users, scim_client_for

BIG = 50_000
PATCH_SCHEMA = ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]


@contextmanager
def foreign_key_checks_off():
    """Rows made here are consistent by construction; 150,000 per-row FK trigger checks (deferred to
    teardown, or immediate) would cost the suite half a minute to a minute and a half."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = origin")


def insert_users(org, count, prefix):
    """`count` ScimUsers of `org` in one INSERT ... SELECT; every column gets its model default."""
    columns, values, params = [], [], []
    generated = {"public_id": "'US' || md5(%s || i::text)", "user_name": "%s || i::text || '@example.com'"}
    for model_field in ScimUser._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.name in generated:
            values.append(generated[model_field.name])
            params.append(prefix)
        elif model_field.name == "org":
            values.append("%s")
            params.append(org.pk)
        elif model_field.name in ("created", "last_modified"):
            values.append("now()")
        elif model_field.get_internal_type() == "JSONField":
            values.append("'[]'::jsonb")
        else:
            values.append("%s")
            params.append(model_field.get_default())
    with foreign_key_checks_off() as cursor:
        # Triggers are off with the foreign-key checks: the users are counted as scim_user_count_insert would.
        cursor.execute(
            f"WITH added AS (INSERT INTO {ScimUser._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS i RETURNING org_id, id) "
            f"INSERT INTO scim_usercount (org_id, id_bucket, delta) "
            f"SELECT org_id, id >> {USER_ID_BUCKET_BITS}, count(*) FROM added GROUP BY 1, 2", [*params, count])


def fill_group(org, group_id, prefix):
    """Every user whose userName starts with `prefix` joins the group, in one INSERT ... SELECT."""
    with org_scope(org):
        group = Group.objects.get(public_id=group_id)
    with foreign_key_checks_off() as cursor:
        cursor.execute(
            f"INSERT INTO {GroupMembership._meta.db_table} (org_id, group_id, user_id) "
            f"SELECT org_id, %s, id FROM {ScimUser._meta.db_table} WHERE org_id = %s AND user_name LIKE %s",
            [group.pk, org.pk, prefix + "%"])


def add_then_remove(scim, group_id, user_id):
    body = {"schemas": PATCH_SCHEMA, "Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}]}
    assert scim.patch(f"/Groups/{group_id}", body).status_code == 204
    body["Operations"] = [{"op": "remove", "path": f'members[value eq "{user_id}"]'}]
    assert scim.patch(f"/Groups/{group_id}", body).status_code == 204


def test_member_patch_queries_do_not_grow_with_the_group(scim, scim_org, django_assert_max_num_queries):
    (newcomer,) = make_users(scim, 1, prefix="newcomer")
    small = body_of(scim.post("/Groups", group_body("Small")))["id"]
    big = body_of(scim.post("/Groups", group_body("Big")))["id"]
    insert_users(scim_org, 10, "small")
    fill_group(scim_org, small, "small")
    at_ten = count_queries_of(lambda: add_then_remove(scim, small, newcomer))
    insert_users(scim_org, BIG, "big")
    fill_group(scim_org, big, "big")
    started = time.monotonic()
    with django_assert_max_num_queries(at_ten):
        add_then_remove(scim, big, newcomer)
    elapsed = time.monotonic() - started
    print(f"add+remove one member of {BIG}: {at_ten} queries, {elapsed * 1000:.0f} ms")
    assert elapsed < 2
    with org_scope(scim_org):
        assert GroupMembership.objects.filter(group__public_id=big).count() == BIG


def test_a_50000_member_group_streams_its_json(scim, scim_org):
    big = body_of(scim.post("/Groups", group_body("Everyone")))["id"]
    insert_users(scim_org, BIG, "all")
    fill_group(scim_org, big, "all")
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: a plan made blind can take seconds
        cursor.execute("ANALYZE scim_groupmembership")
        cursor.execute("ANALYZE scim_scimuser")
    started = time.monotonic()
    response = scim.get(f"/Groups/{big}")
    assert response.streaming and not response.has_header("Content-Length")
    pieces = list(response.streaming_content)
    group = json.loads(b"".join(pieces))
    assert len(pieces) <= BIG // 1000 + 2  # thousands of members per write, not one (issue 14)
    elapsed = time.monotonic() - started
    print(f"GET of a {BIG}-member group: {elapsed * 1000:.0f} ms")
    assert len(group["members"]) == BIG and len({m["value"] for m in group["members"]}) == BIG
    assert group["displayName"] == "Everyone" and group["meta"]["version"]
    assert elapsed < 10


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_of_one_group_end_with_the_union(scim_org):
    setup = scim_client_for(Client(), scim_org)
    first_ids, second_ids = make_users(setup, 20, prefix="first"), make_users(setup, 20, prefix="second")
    group_id = body_of(setup.post("/Groups", group_body("Contended")))["id"]
    clients = [ScimClient(Client(), setup.auth.removeprefix("Bearer ")) for _ in range(2)]  # one test client each
    start = threading.Barrier(2, timeout=30)
    statuses = []

    def add(client, ids):
        try:
            start.wait()
            for user_id in ids:  # one request per member: many chances to interleave
                body = {"schemas": PATCH_SCHEMA,
                        "Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}]}
                statuses.append(client.patch(f"/Groups/{group_id}", body).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(client, ids)) for client, ids in zip(clients, (first_ids, second_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [204] * 40
    group = body_of(setup.get(f"/Groups/{group_id}"))
    assert {m["value"] for m in group["members"]} == set(first_ids) | set(second_ids)
    assert group["meta"]["version"] == 'W/"41"'


def test_members_are_joined_by_nested_loop_and_the_callers_transaction_plans_freely(scim, scim_org):
    """Hash and merge joins would read every org's users for a big group (scim.selectors._member_rows)."""
    (ann,) = make_users(scim, 1)
    group_id = body_of(scim.post("/Groups", group_body("Planned", [ann])))["id"]
    with CaptureQueriesContext(connection) as captured:
        assert [m["value"] for m in body_of(scim.get(f"/Groups/{group_id}"))["members"]] == [ann]
    sql = [query["sql"] for query in captured.captured_queries]
    members_read = next(n for n, text in enumerate(sql) if 'FROM "scim_groupmembership"' in text)
    assert sql[members_read - 1] == "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
    with connection.cursor() as cursor:  # this test runs inside a transaction, as a caller's would
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        assert cursor.fetchone() == ("on", "on")


def test_members_come_by_user_id_from_the_unique_index_without_a_sort(scim, scim_org):
    """Whatever order they joined in: the (org, group, user) index gives them so, and the users' probes
    then walk their index in order (scim.selectors._memberships)."""
    users = make_users(scim, 3)
    group_id = body_of(scim.post("/Groups", group_body("Ordered", users[::-1])))["id"]
    with CaptureQueriesContext(connection) as captured:
        assert [m["value"] for m in body_of(scim.get(f"/Groups/{group_id}"))["members"]] == users
    (members_read,) = [query["sql"] for query in captured.captured_queries if 'FROM "scim_groupmembership"' in query["sql"]]
    with connection.cursor() as cursor:  # as PostgreSQL plans it for a big table: indexes, no hash or merge
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        cursor.execute(f"EXPLAIN {members_read}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "scim_membership_org_group_user_unique" in plan and "Sort" not in plan, plan
