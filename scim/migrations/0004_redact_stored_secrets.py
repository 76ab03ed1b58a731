"""Provisioning events stored before secrets were removed on write may hold a password (a PATCH of
`password`, or Bulk data): run the same redaction over every stored body and path."""

from django.db import migrations


def redact_stored_events(apps, schema_editor):
    from scim.services.provisioning import _without_query_secrets, _without_secrets

    ProvisioningEvent = apps.get_model("scim", "ProvisioningEvent")
    changed = []
    for event in ProvisioningEvent.objects.only("id", "path", "request_body").iterator(chunk_size=2000):
        body, path = _without_secrets(event.request_body), _without_query_secrets(event.path)
        if body != event.request_body or path != event.path:
            event.request_body, event.path = body, path
            changed.append(event)
        if len(changed) >= 500:
            ProvisioningEvent.objects.bulk_update(changed, ["request_body", "path"])
            changed = []
    ProvisioningEvent.objects.bulk_update(changed, ["request_body", "path"])


class Migration(migrations.Migration):
    dependencies = [("scim", "0003_provisioning_event_user_index")]

    operations = [migrations.RunPython(redact_stored_events, migrations.RunPython.noop, elidable=True)]
