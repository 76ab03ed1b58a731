"""scim_scimuser's own org_id index goes: every other index of the table leads with org_id, so it only
cost each INSERT and drew the planner away from the prefix index for `sw` (issue 14).

Only the index is dropped (no foreign-key rebuild). The SQLite demo database keeps it: its remade table
could not carry 0005's PostgreSQL-only prefix index.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "scim_scimuser_org_id_cfdc364b"  # Django's name for the foreign key's index


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


def restore_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "scim_scimuser" ("org_id")')


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0008_username_prefix_statistics"),
        ("tenants", "0010_organization_require_mfa"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField(
                model_name="scimuser", name="org",
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                        to="tenants.organization"),
            )],
            database_operations=[migrations.RunPython(drop_index, restore_index)],
        ),
    ]
