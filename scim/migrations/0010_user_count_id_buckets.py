"""User counts per bucket of ids (scim.models.UserCount.id_bucket): the triggers of 0007 append one row
per org and bucket per statement, and today's counts are refilled that way.

One transaction: scim_scimuser is locked against writers (SHARE) first, so no user is counted twice or
missed and no create runs the old trigger function against the new column. 13 is
scim.models.USER_ID_BUCKET_BITS, written out: a migration does not follow later code.
"""

from django.db import migrations, models

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION scim_user_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO scim_usercount (org_id, id_bucket, delta)
            SELECT org_id, id >> 13, count(*) FROM added GROUP BY org_id, id >> 13;
        ELSE
            INSERT INTO scim_usercount (org_id, id_bucket, delta)
            SELECT org_id, id >> 13, -count(*) FROM removed GROUP BY org_id, id >> 13;
        END IF;
        RETURN NULL;
    END $$""",
]
POSTGRESQL_REVERSE = [
    """CREATE OR REPLACE FUNCTION scim_user_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO scim_usercount (org_id, delta) SELECT org_id, count(*) FROM added GROUP BY org_id;
        ELSE
            INSERT INTO scim_usercount (org_id, delta) SELECT org_id, -count(*) FROM removed GROUP BY org_id;
        END IF;
        RETURN NULL;
    END $$""",
]
SQLITE_TRIGGERS_DROPPED = ["DROP TRIGGER scim_user_count_insert", "DROP TRIGGER scim_user_count_delete"]
SQLITE = [
    "CREATE TRIGGER scim_user_count_insert AFTER INSERT ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, id_bucket, delta) VALUES (NEW.org_id, NEW.id >> 13, 1); END",
    "CREATE TRIGGER scim_user_count_delete AFTER DELETE ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, id_bucket, delta) VALUES (OLD.org_id, OLD.id >> 13, -1); END",
]
SQLITE_0007 = [
    "CREATE TRIGGER scim_user_count_insert AFTER INSERT ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, delta) VALUES (NEW.org_id, 1); END",
    "CREATE TRIGGER scim_user_count_delete AFTER DELETE ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, delta) VALUES (OLD.org_id, -1); END",
]
REFILL = [
    "DELETE FROM scim_usercount",
    "INSERT INTO scim_usercount (org_id, id_bucket, delta) "
    "SELECT org_id, id >> 13, count(*) FROM scim_scimuser GROUP BY org_id, id >> 13",
]


def _run(schema_editor, *, postgresql: list[str], sqlite: list[str]) -> None:
    for statement in postgresql if schema_editor.connection.vendor == "postgresql" else sqlite:
        schema_editor.execute(statement)


def lock_out_user_writers(apps, schema_editor):
    # PostgreSQL: before the column exists, so a create waiting here fires the new trigger function once
    # this commits. SQLite: its triggers name scim_usercount, which AddField rebuilds, so they go first.
    _run(schema_editor, postgresql=["LOCK TABLE scim_scimuser IN SHARE MODE"], sqlite=SQLITE_TRIGGERS_DROPPED)


def restore_0007_triggers(apps, schema_editor):
    _run(schema_editor, postgresql=[], sqlite=SQLITE_0007)


def count_by_bucket(apps, schema_editor):
    _run(schema_editor, postgresql=POSTGRESQL + REFILL, sqlite=SQLITE + REFILL)


def count_by_org(apps, schema_editor):
    # The bucketed rows still sum to each org's count; the column goes right after.
    _run(schema_editor, postgresql=POSTGRESQL_REVERSE, sqlite=SQLITE_TRIGGERS_DROPPED)


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0009_user_org_index_dropped"),
    ]

    operations = [
        migrations.RunPython(lock_out_user_writers, restore_0007_triggers),
        migrations.AddField(
            model_name="usercount",
            name="id_bucket",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(count_by_bucket, count_by_org),
    ]
