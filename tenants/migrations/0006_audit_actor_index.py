from django.db import migrations, models


class Migration(migrations.Migration):
    """The console's Audit log filters by actor: index (org, actor_label, -created)."""

    dependencies = [
        ("tenants", "0005_audit_every_actor"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["org", "actor_label", "-created"], name="tenants_audit_org_actor"),
        ),
    ]
