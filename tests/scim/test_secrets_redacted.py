"""A known secret sent through every shape a SCIM request can carry it in reaches no stored row, no
log line, and no page: issue 12 ("PATCH password stored in plain text in the provisioning log")."""

import json
import logging

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client
from django.urls import reverse

from accounts.models import User
from scim.models import ProvisioningEvent
from scim.services.provisioning import provisioning_event_record
from tenants.scoping import org_scope
from tenants.scoping import all_orgs_scope

from .conftest import body_of, scim_client_for, user_body
from .test_console_and_admin import console_client_for

SECRET = "hunter2-known-secret"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def patch(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def send_the_secret_every_way(scim) -> str:
    """Every shape; each request is answered (2xx or a SCIM error) and leaves a provisioning event."""
    user_id = body_of(scim.post("/Users", user_body("ann@example.com", password=SECRET)))["id"]
    scim.post("/Users", user_body("bob@example.com", Password=SECRET, **{CORE: {"PASSWORD": SECRET}}))
    scim.put(f"/Users/{user_id}", user_body("ann@example.com", PASSWORD=SECRET))
    for path in ("password", "Password", "PASSWORD", f"{CORE}:password", f"{CORE}:PassWord"):
        for op in ("replace", "add", "Replace"):
            scim.patch(f"/Users/{user_id}", patch({"op": op, "path": path, "value": SECRET}))
    scim.patch(f"/Users/{user_id}", patch({"op": "replace", "path": "password", "value": [SECRET]}))
    scim.patch(f"/Users/{user_id}", patch({"op": "replace", "value": {"password": SECRET, "active": True}}))
    scim.patch(f"/Users/{user_id}", patch({"op": "replace", "value": {f"{CORE}:password": SECRET}}))
    scim.patch(f"/Users/{user_id}", patch({"op": "Replace", "value": {CORE: {"Password": SECRET}}}))
    scim.patch(f"/Users/{user_id}", patch({"op": "replace", "path": "password", "value": SECRET, "junk": 1}))
    scim.patch(f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": {"path": "password", "value": SECRET}})
    scim.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": user_body("cy@example.com", password=SECRET)},
        {"method": "PUT", "path": f"/Users/{user_id}", "data": user_body("ann@example.com", Password=SECRET)},
        {"method": "PATCH", "path": f"/Users/{user_id}", "data": patch(
            {"op": "replace", "path": f"{CORE}:password", "value": SECRET},
            {"op": "replace", "value": {"PASSWORD": SECRET}})},
        {"method": "PATCH", "path": f"/Users/{user_id}?password={SECRET}", "data": patch(
            {"op": "replace", "path": "password", "value": SECRET})},
        {"method": "POST", "path": f"/Users?token={SECRET}", "data": user_body("di@example.com", secret=SECRET)},
    ]})
    scim.get(f'/Users?filter=password%20eq%20%22{SECRET}%22')
    return user_id


def every_stored_row_as_text() -> str:
    with all_orgs_scope():
        dumped = [serializers.serialize("json", model._base_manager.all()) for model in apps.get_models()]
        dumped += [json.dumps(e.request_body) + e.path for e in ProvisioningEvent.objects.all()]
    return "\n".join(dumped)


@pytest.mark.django_db
def test_a_secret_sent_every_way_is_in_no_row_no_log_line_and_no_page(client, scim_org, caplog):
    caplog.set_level(logging.DEBUG)
    scim = scim_client_for(Client(), scim_org)
    send_the_secret_every_way(scim)
    with all_orgs_scope():
        events = list(ProvisioningEvent.objects.all())
    assert len(events) >= 20 and any(e.request_body for e in events)
    assert every_stored_row_as_text().count(SECRET) == 0
    assert [r for r in caplog.records if SECRET in r.getMessage() or SECRET in str(r.__dict__)] == []

    staff = Client()
    staff.force_login(User.objects.create_superuser("staff@example.org", "a-long-staff-password"))
    pages = [staff.get(reverse("admin:scim_provisioningevent_changelist")).content.decode()]
    pages += [staff.get(reverse("admin:scim_provisioningevent_change", args=[e.pk])).content.decode() for e in events]
    console = console_client_for(client, scim_org)
    pages.append(console.get(reverse("console:provisioning_log")).content.decode())
    assert all(page.count(SECRET) == 0 for page in pages)
    assert "[removed]" in "".join(pages)


@pytest.mark.django_db
def test_patch_values_are_removed_by_the_path_they_name_and_other_values_stay(scim_org):
    body = patch({"op": "replace", "path": f"{CORE}:Password", "value": SECRET},
                 {"op": "replace", "path": "displayName", "value": "Ann"},
                 {"op": "add", "value": {"nickName": "A", "clientSecret": SECRET, "accessToken": SECRET}})
    event = provisioning_event_record(org=scim_org, method="PATCH", path=f"/scim/v2/Users/US1?password={SECRET}",
                                      credential_name="Okta", status=200, request_body=body)
    cleaned = event.request_body["Operations"]
    assert cleaned[0]["value"] == "[removed]" and cleaned[1]["value"] == "Ann"
    assert cleaned[2]["value"] == {"nickName": "A", "clientSecret": "[removed]", "accessToken": "[removed]"}
    assert event.path == "/scim/v2/Users/US1?[removed]"


def test_events_stored_before_redaction_lose_their_secrets_in_the_migration(scim_org):
    import importlib

    migration = importlib.import_module("scim.migrations.0004_redact_stored_secrets")
    body = {"Operations": [{"op": "replace", "path": "password", "value": "old-secret-123"}]}
    with org_scope(scim_org):
        event = ProvisioningEvent.objects.create(org=scim_org, method="PATCH", path="/scim/v2/Users/x?password=old-secret-123",
                                                 status=200, request_body=body)
    from django.db.migrations.loader import MigrationLoader

    historical = MigrationLoader(None).project_state(("scim", "0004_redact_stored_secrets")).apps
    migration.redact_stored_events(historical, None)
    with org_scope(scim_org):
        event = ProvisioningEvent.objects.get(pk=event.pk)
    assert "old-secret-123" not in str(event.request_body) + event.path
