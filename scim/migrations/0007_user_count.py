"""Per-org user counts kept by triggers (scim.models.UserCount), filled with today's counts.

The triggers and the fill run in one transaction: CREATE TRIGGER locks out writers of scim_scimuser
until it commits, so no user is counted twice or missed. PostgreSQL appends one row per org per
statement (transition tables); the SQLite demo one row per user.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = [
    """CREATE FUNCTION scim_user_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO scim_usercount (org_id, delta) SELECT org_id, count(*) FROM added GROUP BY org_id;
        ELSE
            INSERT INTO scim_usercount (org_id, delta) SELECT org_id, -count(*) FROM removed GROUP BY org_id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER scim_user_count_insert AFTER INSERT ON scim_scimuser REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION scim_user_count_delta()",
    "CREATE TRIGGER scim_user_count_delete AFTER DELETE ON scim_scimuser REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT EXECUTE FUNCTION scim_user_count_delta()",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER scim_user_count_insert ON scim_scimuser",
    "DROP TRIGGER scim_user_count_delete ON scim_scimuser",
    "DROP FUNCTION scim_user_count_delta()",
]
SQLITE = [
    "CREATE TRIGGER scim_user_count_insert AFTER INSERT ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, delta) VALUES (NEW.org_id, 1); END",
    "CREATE TRIGGER scim_user_count_delete AFTER DELETE ON scim_scimuser BEGIN "
    "INSERT INTO scim_usercount (org_id, delta) VALUES (OLD.org_id, -1); END",
]
SQLITE_REVERSE = ["DROP TRIGGER scim_user_count_insert", "DROP TRIGGER scim_user_count_delete"]
FILL = "INSERT INTO scim_usercount (org_id, delta) SELECT org_id, count(*) FROM scim_scimuser GROUP BY org_id"


def add_triggers(apps, schema_editor):
    for statement in (POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE) + [FILL]:
        schema_editor.execute(statement)


def remove_triggers(apps, schema_editor):
    for statement in POSTGRESQL_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0006_provisioning_event_detail_and_idp"),
        ("tenants", "0010_organization_require_mfa"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("delta", models.BigIntegerField()),
                ("org", models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                          related_name="+", to="tenants.organization")),
            ],
            options={"abstract": False},
        ),
        migrations.RunPython(add_triggers, remove_triggers),
    ]
