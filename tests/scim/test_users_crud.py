import json

import pytest
from django.core import mail

from oauthapps import scopes
from scim.models import ProvisioningEvent, ScimUser
from tenants.scoping import org_scope

from .conftest import body_of, scim_client_for, statements_of, user_body

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def created(scim, name="ann@example.com", **extra):
    response = scim.post("/Users", user_body(name, **extra))
    assert response.status_code == 201, response.content
    return json.loads(response.content)


def error_of(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = json.loads(response.content)
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status) and body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type
    return body


def test_create_returns_201_location_etag_and_every_attribute(scim):
    body = user_body(
        "ann@example.com", externalId="okta-1", displayName="Ann", nickName="A", title="CTO", userType="Employee",
        preferredLanguage="en", locale="en-US", timezone="Europe/Paris", password="s3cret-from-okta",
        name={"formatted": "Dr Ann B Lee III", "familyName": "Lee", "givenName": "Ann", "middleName": "B",
              "honorificPrefix": "Dr", "honorificSuffix": "III"},
        phoneNumbers=[{"value": "+1 555 0100", "type": "work"}],
        addresses=[{"locality": "Paris", "country": "FR", "type": "work"}],
        **{ENTERPRISE: {"employeeNumber": "42", "costCenter": "CC", "organization": "Acme", "division": "R&D",
                        "department": "Core", "manager": {"value": "US123", "displayName": "Boss"}}},
    )
    response = scim.post("/Users", body)
    assert response.status_code == 201
    resource = json.loads(response.content)
    assert resource["id"].startswith("US") and len(resource["id"]) == 34
    assert response["Location"] == resource["meta"]["location"] and resource["meta"]["location"].endswith(resource["id"])
    assert response["ETag"] == resource["meta"]["version"]
    assert resource["name"]["honorificSuffix"] == "III" and resource["timezone"] == "Europe/Paris"
    assert resource[ENTERPRISE]["manager"]["value"] == "US123" and resource[ENTERPRISE]["division"] == "R&D"
    assert resource["phoneNumbers"] == [{"value": "+1 555 0100", "type": "work"}]
    assert resource["groups"] == [] and resource["meta"]["resourceType"] == "User"
    assert "password" not in resource and b"s3cret-from-okta" not in response.content


def test_the_password_is_never_stored_or_logged(scim, scim_org):
    created(scim, password="s3cret-from-okta")
    with org_scope(scim_org):
        event = ProvisioningEvent.objects.get(method="POST")
        stored = [json.dumps(list(ScimUser.objects.values())[0], default=str), json.dumps(event.request_body)]
    assert all("s3cret-from-okta" not in text for text in stored)


def test_duplicate_user_name_in_any_case_or_external_id_is_409_uniqueness(scim):
    created(scim, "ann@example.com", externalId="e1")
    # The unique constraint is the check; its name says which attribute collided.
    body = error_of(scim.post("/Users", user_body("ANN@example.com")), 409, "uniqueness")
    assert body["detail"] == "A user with userName ANN@example.com already exists."
    body = error_of(scim.post("/Users", user_body("other@example.com", externalId="e1")), 409, "uniqueness")
    assert body["detail"] == "A user with externalId e1 already exists."
    assert body_of(scim.get("/Users"))["totalResults"] == 1


def test_a_create_checks_uniqueness_by_its_insert_alone(scim, django_assert_max_num_queries):
    created(scim, "ann@example.com")
    sent = statements_of(lambda: scim.post("/Users", user_body("bob@example.com", externalId="b1")))
    # BEGIN and COMMIT never reach an execute wrapper; here the test's transaction makes them a savepoint.
    statements = [sql for sql in sent if not sql.startswith(("SAVEPOINT \"", "RELEASE SAVEPOINT \""))]
    assert 'INSERT INTO "scim_scimuser"' in statements[1] and 'INSERT INTO "scim_scimuseremail"' in statements[1]
    assert not [sql for sql in statements if sql.startswith("SELECT") and '"scim_scimuser"' in sql], statements
    # The credential, the user with its e-mail (one statement), the event (numbered in its INSERT), the
    # log row (with its savepoint, in the same string).
    assert len(statements) == 4, statements


@pytest.mark.parametrize("field,value", [
    ("userName", 5), ("active", "maybe"), ("name", "Ann"), ("emails", "ann@example.com"), ("displayName", ["x"]),
    (ENTERPRISE, "x"),
])
def test_wrong_types_are_400_invalid_value(scim, field, value):
    error_of(scim.post("/Users", user_body("ann@example.com", **{field: value})), 400, "invalidValue")


def test_missing_user_name_is_400(scim):
    body = user_body("ann@example.com")
    del body["userName"]
    error_of(scim.post("/Users", body), 400, "invalidValue")


def test_unknown_attributes_are_ignored(scim):
    resource = created(scim, roles=[], favouriteColour="blue", meta={"resourceType": "User"})
    assert "favouriteColour" not in resource


def test_attribute_names_are_case_insensitive(scim):
    resource = created(scim, **{"DISPLAYNAME": "Ann"})
    assert resource["displayName"] == "Ann"


def test_malformed_json_is_400_invalid_syntax(scim):
    error_of(scim.request("POST", "/Users", raw="{not json"), 400, "invalidSyntax")


def test_plain_application_json_is_accepted(client, scim):
    response = client.post("/scim/v2/Users", data=json.dumps(user_body("ann@example.com")),
                           content_type="application/json", headers={"Authorization": scim.auth})
    assert response.status_code == 201


def test_more_than_one_email_needs_exactly_one_primary(scim):
    emails = [{"value": "a@example.com", "type": "work"}, {"value": "b@example.com", "type": "home"}]
    error_of(scim.post("/Users", user_body("ann@example.com", emails=emails)), 400, "invalidValue")
    emails[0]["primary"] = True
    assert scim.post("/Users", user_body("ann@example.com", emails=emails)).status_code == 201


@pytest.mark.parametrize("emails", [
    [],
    [{"value": "ann@example.com", "type": "work", "primary": True}],
    [{"value": "ann@example.com", "type": "work", "primary": True, "display": "Ann"},
     {"value": "ann@home.example", "type": "home"}, {"value": "ann@other.example", "type": "other"}],
])
def test_a_create_stores_its_emails_in_order_with_the_user_and_answers_as_a_read_does(scim, scim_org, emails):
    created_user = created(scim, "ann@example.com", emails=emails)
    assert created_user.get("emails", []) == [{**email, "primary": bool(email.get("primary"))} for email in emails]
    assert body_of(scim.get(f"/Users/{created_user['id']}")) == created_user
    with org_scope(scim_org):
        user = ScimUser.objects.get(public_id=created_user["id"])
        assert [(e.user_id, e.value) for e in user.emails.order_by("id")] == [(user.pk, e["value"]) for e in emails]


def test_user_name_must_equal_primary_email_when_the_org_says_so(scim, scim_org):
    scim_org.username_must_equal_primary_email = True
    scim_org.save()
    body = user_body("ann", emails=[{"value": "ann@example.com", "primary": True}])
    assert "userName" in error_of(scim.post("/Users", body), 400, "invalidValue")["detail"]
    assert scim.post("/Users", user_body("ANN@example.com", emails=[{"value": "ann@example.com", "primary": True}])).status_code == 201


@pytest.mark.parametrize("attribute,value", [
    ("displayName", "x" * 256),
    ("emails", [{"value": "a" * 250 + "@example.com", "primary": True}]),
    ("emails", [{"value": "ann@example.com", "type": "t" * 33, "primary": True}]),
])
def test_a_value_longer_than_its_column_is_400_naming_it(scim, attribute, value):
    detail = error_of(scim.post("/Users", user_body("ann@example.com", **{attribute: value})), 400, "invalidValue")["detail"]
    assert "at most" in detail


def test_user_name_need_not_equal_the_email_by_default(scim):
    assert scim.post("/Users", user_body("ann", emails=[{"value": "ann.lee@example.com", "primary": True}])).status_code == 201


def test_put_replaces_and_ignores_read_only_attributes(scim):
    resource = created(scim, displayName="Ann", nickName="A")
    body = user_body("ann@example.com", id="USforged", meta={"version": "x"}, groups=[{"value": "G"}], displayName="Ann Lee")
    replaced = json.loads(scim.put(f"/Users/{resource['id']}", body).content)
    assert replaced["id"] == resource["id"] and replaced["displayName"] == "Ann Lee" and "nickName" not in replaced
    assert replaced["meta"]["version"] != resource["meta"]["version"] and replaced["groups"] == []


def test_delete_is_204_then_404(scim):
    user_id = created(scim)["id"]
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    error_of(scim.get(f"/Users/{user_id}"), 404)


def test_if_match_mismatch_is_412_and_match_succeeds(scim):
    resource = created(scim)
    path = f"/Users/{resource['id']}"
    assert scim.put(path, user_body("ann@example.com"), headers={"If-Match": 'W/"999"'}).status_code == 412
    assert scim.delete(path, headers={"If-Match": 'W/"999"'}).status_code == 412
    assert scim.put(path, user_body("ann@example.com"), headers={"If-Match": resource["meta"]["version"]}).status_code == 200


def test_if_none_match_on_get_is_304_until_the_user_changes(scim):
    resource = created(scim)
    path = f"/Users/{resource['id']}"
    assert scim.get(path, headers={"If-None-Match": resource["meta"]["version"]}).status_code == 304
    scim.put(path, user_body("ann@example.com", title="New"))
    assert scim.get(path, headers={"If-None-Match": resource["meta"]["version"]}).status_code == 200


def test_401_carries_www_authenticate_and_a_scim_error(client, db):
    response = client.get("/scim/v2/Users", headers={"Authorization": "non-token"})
    error_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("granted,method,path_suffix", [
    (scopes.READ, "get", ""), (scopes.LIST, "get", "/ID"), (scopes.LIST, "post", ""),
    (scopes.READ, "put", "/ID"), (scopes.READ, "patch", "/ID"), (scopes.UPDATE, "delete", "/ID"),
    (scopes.READ, "post", "/.search"),
])
def test_a_missing_scope_is_403(client, scim, scim_org, granted, method, path_suffix):
    user_id = created(scim)["id"]
    limited = scim_client_for(client, scim_org, [granted], name="limited")
    body = {"schemas": [], "Operations": []} if method == "patch" else user_body("x@example.com")
    response = getattr(limited, method)("/Users" + path_suffix.replace("ID", user_id),
                                        **({"body": body} if method in ("post", "put", "patch") else {}))
    error_of(response, 403)
    with org_scope(scim_org):
        assert ProvisioningEvent.objects.filter(status=403, credential_name="limited").count() == 1


def test_a_welcome_email_is_sent_after_create_unless_the_org_turns_it_off(scim, scim_org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created(scim, "ann@example.com")
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    scim_org.send_welcome_emails = False
    scim_org.save()
    with django_capture_on_commit_callbacks(execute=True):
        created(scim, "bob@example.com")
    assert len(mail.outbox) == 1


def test_every_request_is_logged_once_for_the_org(scim, scim_org, other_scim_org):
    user_id = created(scim)["id"]
    scim.get("/Users?filter=bogus")
    with org_scope(scim_org):
        events = list(ProvisioningEvent.objects.order_by("created"))
    assert [(e.method, e.status, e.scim_type, e.credential_name) for e in events] == [
        ("POST", 201, "", "Okta"), ("GET", 400, "invalidFilter", "Okta")]
    assert events[0].user_public_id == user_id
    with org_scope(other_scim_org):
        assert not ProvisioningEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_reads_log_row_is_one_statement_committing_without_the_flush_and_a_writes_is_not(scim, scim_org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def logged(request):
        with CaptureQueriesContext(connection) as captured:
            request()
        statements = [query["sql"] for query in captured.captured_queries]
        log_insert = next(n for n, sql in enumerate(statements) if 'INSERT INTO "scim_provisioningevent"' in sql)
        return statements, log_insert

    asynchronous = "RETURNING set_config('synchronous_commit', 'off', true)"
    write, write_log = logged(lambda: created(scim))
    read, read_log = logged(lambda: scim.get("/Users"))
    assert asynchronous not in write[write_log]
    assert read[read_log].endswith(asynchronous)
    assert not {"BEGIN", "COMMIT"} & {sql.split(" ")[0] for sql in read[read_log - 1:read_log + 2]}  # autocommit
    with org_scope(scim_org):
        assert list(ProvisioningEvent.objects.order_by("created").values_list("method", flat=True)) == ["POST", "GET"]


@pytest.mark.django_db(transaction=True)
def test_a_writes_log_row_commits_in_the_writes_own_transaction(scim, scim_org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        user_id = created(scim)["id"]
    statements = [query["sql"].split(" ", 1)[0] for query in captured.captured_queries]
    log_insert = next(n for n, query in enumerate(captured.captured_queries)
                      if 'INSERT INTO "scim_provisioningevent"' in query["sql"])
    user_insert = next(n for n, query in enumerate(captured.captured_queries)
                       if 'INSERT INTO "scim_scimuser"' in query["sql"])
    # one transaction, one COMMIT (and one WAL flush) for the user and its log row (the welcome e-mail's
    # effect, run eagerly after that commit, has its own)
    assert user_insert < log_insert < statements.index("COMMIT", user_insert)
    with org_scope(scim_org):
        assert ProvisioningEvent.objects.get(method="POST").user_public_id == user_id


@pytest.mark.django_db(transaction=True)
def test_a_log_row_that_fails_to_insert_never_undoes_the_write(scim, scim_org, monkeypatch, caplog):
    from scim.services import provisioning

    real_statement = provisioning._insert_statement

    def too_long_for_its_column(event):
        event.user_public_id = "US" + "0" * 40  # varchar(34): PostgreSQL refuses this INSERT
        return real_statement(event)

    monkeypatch.setattr(provisioning, "_insert_statement", too_long_for_its_column)
    responses = []
    sent = statements_of(lambda: responses.append(scim.post("/Users", user_body("ann@example.com"))))
    response = responses[0]
    assert response.status_code == 201
    assert "could not record provisioning event" in caplog.text
    monkeypatch.undo()
    assert scim.get(f"/Users/{body_of(response)['id']}").status_code == 200  # the write committed
    with org_scope(scim_org):
        assert list(ProvisioningEvent.objects.values_list("method", flat=True)) == ["GET"]
    # The savepoint that protected it, the INSERT and the release went as one round trip.
    log_sql = next(sql for sql in sent if 'INSERT INTO "scim_provisioningevent"' in sql)
    assert log_sql.startswith("SAVEPOINT ") and log_sql.endswith("; RELEASE SAVEPOINT provisioning_event")


def test_a_refused_writes_row_is_still_logged(scim, scim_org):
    created(scim)
    assert scim.post("/Users", user_body("ann@example.com")).status_code == 409
    with org_scope(scim_org):
        assert list(ProvisioningEvent.objects.order_by("created").values_list("status", flat=True)) == [201, 409]
