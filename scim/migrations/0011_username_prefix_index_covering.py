"""The userName prefix index carries user_name and id, so `sw` reads the index alone (issue 14).

The index key is lower(user_name), but PostgreSQL 15 rechecks the LIKE from the row's user_name and sorts a
page by id, neither of which the index held: each match cost a heap fetch. At 1,000,000 users, for the
3,125 of an org's users whose userName starts with "ada.", the page's ids took 8.8 ms walking the primary
key (the heap fetches made the index look dearer) and the COUNT 6.2 ms; with user_name and id included,
both are index-only scans: 0.6 ms and 0.4 ms (bench/README.md).

Built CONCURRENTLY beside the old one, which is then dropped and replaced by name: writers are never
blocked. PostgreSQL only, as 0005: the SQLite demo has no such index.
"""

from django.contrib.postgres.indexes import OpClass
from django.db import migrations, models
from django.db.models.functions import Lower

NAME = "scim_user_org_username_prefix"
BUILDING = NAME + "_building"
STATISTICS_TARGET = 1000  # as 0008 set it on the index it replaces
KEY = '"org_id", lower("user_name") text_pattern_ops'


def replace_index(include: str):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in (
            f'DROP INDEX CONCURRENTLY IF EXISTS "{BUILDING}"',  # left invalid by an interrupted run
            f'CREATE INDEX CONCURRENTLY "{BUILDING}" ON "scim_scimuser" ({KEY}){include}',
            f'DROP INDEX CONCURRENTLY IF EXISTS "{NAME}"',
            f'ALTER INDEX "{BUILDING}" RENAME TO "{NAME}"',
            f'ALTER INDEX "{NAME}" ALTER COLUMN 2 SET STATISTICS {STATISTICS_TARGET}',
            'ANALYZE "scim_scimuser"',
        ):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("scim", "0010_user_count_id_buckets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="scimuser", name=NAME),
                migrations.AddIndex(model_name="scimuser", index=models.Index(
                    "org", OpClass(Lower("user_name"), name="text_pattern_ops"), name=NAME, include=["user_name", "id"])),
            ],
            database_operations=[
                migrations.RunPython(replace_index(' INCLUDE ("user_name", "id")'), replace_index("")),
            ],
        ),
    ]
