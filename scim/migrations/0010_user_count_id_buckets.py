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
SQLITE = [
    "DROP TRIGGER scim_user_count_insert",
    "DROP TRIGGER scim_user_count_delete",
    "CREATE TRIGGER scim_user_count_insert AFTER INSERT ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, id_bucket, delta) VALUES (NEW.org_id, NEW.id >> 13, 1); END",
    "CREATE TRIGGER scim_user_count_delete AFTER DELETE ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, id_bucket, delta) VALUES (OLD.org_id, OLD.id >> 13, -1); END",
]
SQLITE_REVERSE = [  # 0007's
    "DROP TRIGGER scim_user_count_insert",
    "DROP TRIGGER scim_user_count_delete",
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


def lock_out_user_writers(apps, schema_editor):
    # Before the column exists: a create waiting here fires the new trigger function once this commits.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE scim_scimuser IN SHARE MODE")


def count_by_bucket(apps, schema_editor):
    for statement in (POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE) + REFILL:
        schema_editor.execute(statement)


def count_by_org(apps, schema_editor):
    # The bucketed rows still sum to each org's count; the column goes right after.
    for statement in POSTGRESQL_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0009_user_org_index_dropped"),
    ]

    operations = [
        migrations.RunPython(lock_out_user_writers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="usercount",
            name="id_bucket",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(count_by_bucket, count_by_org),
    ]
