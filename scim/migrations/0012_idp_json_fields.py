"""phoneNumbers and addresses are read by scim.models.IdPJSONField (issue 14): the same jsonb columns.

State only: the columns do not change, and on the SQLite demo an AlterField would rebuild the users table
with the model's PostgreSQL-only indexes.
"""

from django.db import migrations

import scim.models


class Migration(migrations.Migration):

    dependencies = [
        ("scim", "0011_username_prefix_index_covering"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="scimuser",
                name="addresses",
                field=scim.models.IdPJSONField(blank=True, default=list),
            ),
            migrations.AlterField(
                model_name="scimuser",
                name="phone_numbers",
                field=scim.models.IdPJSONField(blank=True, default=list),
            ),
        ]),
    ]
