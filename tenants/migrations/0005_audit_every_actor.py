import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The audit log records every actor (member, staff, IdP credential, system) and is append-only."""

    dependencies = [
        ("tenants", "0004_audit_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("auditevent", "actor", "actor_user"),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_user",
            field=models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=models.DO_NOTHING, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RenameField("auditevent", "actor_email", "actor_label"),
        migrations.AlterField(
            model_name="auditevent", name="actor_label", field=models.CharField(blank=True, max_length=255),
        ),
        # Every row written before this migration was a staff action.
        migrations.AddField(
            model_name="auditevent", name="actor_kind", field=models.CharField(default="staff", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="actor_address", field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent", name="object_type", field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent", name="object_id", field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["org", "action", "-created"], name="tenants_audit_org_action"),
        ),
        # Append-only at the database: any UPDATE or DELETE of an audit row raises (PostgreSQL only;
        # pgtrigger skips the SQLite demo).
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="5c7c5713c1cf61352388065baa42a15be8775a64", operation="UPDATE OR DELETE",
                    pgid="pgtrigger_audit_append_only_1282d", table="tenants_auditevent", when="BEFORE",
                ),
            ),
        ),
    ]
