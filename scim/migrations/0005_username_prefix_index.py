"""An index serving userName sw (lower(user_name) LIKE 'prefix%') inside one org (issue 14).

text_pattern_ops is PostgreSQL's; the SQLite demo database gets no index (its state still has it).
"""

from django.contrib.postgres.indexes import OpClass
from django.db import migrations, models
from django.db.models.functions import Lower

INDEX = models.Index("org", OpClass(Lower("user_name"), name="text_pattern_ops"), name="scim_user_org_username_prefix")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("scim", "ScimUser"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("scim", "ScimUser"), INDEX)


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0004_redact_stored_secrets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="scimuser", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
