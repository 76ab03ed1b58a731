"""End to end: a SCIM POST through the test client reaches a webhook receiver on loopback as user.created,
signed (verified with the standardwebhooks library)."""

import json

from events import services
from tenants.audit import Actor
from tests.scim.conftest import open_org, scim_client_for, user_body

from .test_webhooks import receiver  # noqa: F401  (the loopback receiver fixture)


def test_a_scim_post_reaches_the_webhook_endpoint_as_user_created(client, db, receiver,  # noqa: F811
                                                                   django_capture_on_commit_callbacks):
    org = open_org("Acme hooks")
    _, secret = services.webhook_endpoint_create(org=org, actor=Actor.system("test"), url=receiver.url,
                                                 event_types=["user.created"])
    scim = scim_client_for(client, org)
    with django_capture_on_commit_callbacks(execute=True):
        response = scim.post("/Users", user_body("ann@example.com"))
    assert response.status_code == 201, response.content
    created = json.loads(response.content)
    [payload] = receiver.delivered(secret)
    assert payload["type"] == "user.created" and payload["org"] == org.public_id
    assert payload["resource"] == {"type": "User", "id": created["id"]}
    assert payload["data"] == {"resource": created} and '"Okta"' in payload["actor"]
