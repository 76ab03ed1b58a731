"""Finer statistics for lower(user_name), so the planner sees that `userName sw "prefix"` matches few users.

With the default target (100 histogram buckets) a prefix matching 49 of 1,000,000 users was estimated
at 2,056 rows, and a page's `ORDER BY id LIMIT 100` walked the primary key through every org's users
hoping to meet 100 of them (200 ms, ~2% of prefixes; bench/README.md). At 1,000 buckets the estimate
is close enough that the prefix index is used. ANALYZE samples a fixed number of rows, so the cost
does not grow with the table. PostgreSQL only: the SQLite demo has no such index.
"""

from django.db import migrations

STATISTICS_TARGET = 1000


def set_target(target):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER INDEX scim_user_org_username_prefix ALTER COLUMN 2 SET STATISTICS {target}")
            schema_editor.execute("ANALYZE scim_scimuser")

    return operation


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0007_user_count"),
    ]

    operations = [
        migrations.RunPython(set_target(STATISTICS_TARGET), set_target(-1)),
    ]
