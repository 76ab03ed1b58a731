"""The events list and webhook endpoints through the management API."""

from urllib.parse import urlsplit

from django.db import transaction

from events.services import event_record
from tenants.audit import Actor


def record(org, n):
    with transaction.atomic():
        return [event_record(org=org, actor=Actor.system("test"), type="domain.verified", resource_type="Domain",
                             resource_id=f"DO{i}", data={"name": f"d{i}.example"}) for i in range(n)]


def test_a_consumer_catches_up_on_events_with_the_cursor(owner_api, org, other_org):
    events = record(org, 5)
    record(other_org, 2)
    first = owner_api.get("events/?limit=3").json()
    assert [event["sequence"] for event in first["results"]] == [1, 2, 3]
    assert first["results"][0] == events[0].payload() | {"time": first["results"][0]["time"]}
    next_page = urlsplit(first["next"])
    rest = owner_api.get(f"{next_page.path}?{next_page.query}").json()
    assert [event["id"] for event in rest["results"]] == [events[3].public_id, events[4].public_id]
    assert rest["next"] is None
    assert owner_api.get("events/?type=domain.verification_lost").json()["results"] == []


def test_a_webhook_endpoint_is_created_with_its_secret_once(owner_api, read_api):
    created = owner_api("post", "webhook-endpoints/", {"url": "https://hooks.example.com/idadmin",
                                                       "event_types": ["user.created"]})
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["secret_prefix"] == body["secret"][:10]
    shown = owner_api.get(f"webhook-endpoints/{body['id']}/").json()
    assert "secret" not in shown and shown["event_types"] == ["user.created"]
    assert [e["id"] for e in read_api.get("webhook-endpoints/").json()["results"]] == [body["id"]]
    assert owner_api("post", f"webhook-endpoints/{body['id']}/disable/").json()["enabled"] is False
    assert owner_api("delete", f"webhook-endpoints/{body['id']}/").status_code == 204


def test_a_plain_http_or_unknown_event_type_is_a_problem(owner_api, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    refused = owner_api("post", "webhook-endpoints/", {"url": "http://hooks.example.com/"})
    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert owner_api("post", "webhook-endpoints/", {"url": "https://h.example.com/",
                                                    "event_types": ["user.exploded"]}).status_code == 400
