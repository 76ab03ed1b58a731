"""Every management API endpoint does what the console does, through the same services: happy paths,
secrets shown once, role refusals (the role the console would need), filters and cursor pages."""

import pytest
from django.contrib.auth.hashers import check_password

from oauthapps import scopes
from oauthapps.credentials import principal_from_request
from oauthapps.models import Application, ScimToken
from scim.models import Group, ProvisioningEvent, ScimUser
from tenants.models import AuditEvent, Domain, Invitation, Membership
from tenants.scoping import org_scope
from tests.factories import UserFactory, add_member

from .conftest import Api, make_key
from .test_authentication import assert_problem

OKTA_CALLBACK = "https://acme.okta.example/oauth2/callback"


def all_pages(api, path):
    """Every row of a list, following `next` links; and how many pages it took."""
    rows, pages, url = [], 0, f"/api/v1/{path}"
    while url:
        response = api.get(url.replace("http://testserver", ""))
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        url, pages = response.json()["next"], pages + 1
    return rows, pages


# --- organization ------------------------------------------------------------------------------


def test_owners_update_the_organization(owner_api, org):
    response = owner_api("patch", "organization/", {"name": "Acme Corp", "send_welcome_emails": False})
    assert response.status_code == 200 and response.json()["name"] == "Acme Corp"
    org.refresh_from_db()
    assert org.name == "Acme Corp" and org.send_welcome_emails is False


def test_an_admin_key_cannot_update_the_organization(admin_api, org):
    assert_problem(admin_api("patch", "organization/", {"name": "Hijacked"}), 403)
    org.refresh_from_db()
    assert org.name == "Acme"


def test_staff_only_settings_are_not_in_the_api(owner_api, org):
    response = owner_api("patch", "organization/", {"scim_requests_per_second": 100000})
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.scim_requests_per_second is None


# --- members and invitations -------------------------------------------------------------------------


def test_members_are_listed_in_cursor_pages(owner_api, org):
    for _ in range(4):
        add_member(org)
    rows, pages = all_pages(owner_api, "members/?limit=2")
    assert len(rows) == 5 and pages == 3 and len({row["id"] for row in rows}) == 5
    assert {"owner@acme.example"} <= {row["email"] for row in rows}


def test_a_garbled_cursor_is_400(owner_api):
    body = assert_problem(owner_api.get("members/?cursor=not-a-cursor"), 400)
    assert "cursor" in body["errors"]


def test_changing_a_role_and_removing_a_member(owner_api, org):
    member = add_member(org)
    response = owner_api("patch", f"members/{member.public_id}/", {"role": "admin"})
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert owner_api("delete", f"members/{member.public_id}/").status_code == 204
    with org_scope(org):
        assert not Membership.objects.filter(pk=member.pk).exists()
    assert member.user.__class__.objects.filter(pk=member.user_id).exists()  # the account stays


def test_an_admin_key_cannot_grant_or_remove_the_owner_role(admin_api, org, owner):
    member = add_member(org)
    assert_problem(admin_api("patch", f"members/{member.public_id}/", {"role": "owner"}), 403)
    with org_scope(org):
        owner_membership = Membership.objects.get(user=owner)
    assert_problem(admin_api("delete", f"members/{owner_membership.public_id}/"), 403)
    assert admin_api("patch", f"members/{member.public_id}/", {"role": "admin"}).status_code == 200


def test_the_last_owner_stays_an_owner(owner_api, org, owner):
    with org_scope(org):
        membership = Membership.objects.get(user=owner)
    body = assert_problem(owner_api("patch", f"members/{membership.public_id}/", {"role": "admin"}), 400)
    assert "last owner" in body["detail"]


def test_an_unknown_role_names_the_field(owner_api, org):
    member = add_member(org)
    body = assert_problem(owner_api("patch", f"members/{member.public_id}/", {"role": "god"}), 400)
    assert "role" in body["errors"]


def test_inviting_resending_and_revoking(owner_api, org, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api("post", "invitations/", {"email": "New@Example.com", "role": "admin"})
    assert response.status_code == 201, response.content
    invitation = response.json()
    assert invitation["email"] == "new@example.com" and invitation["status"] == "pending"
    assert len(mailoutbox) == 1
    assert [row["id"] for row in owner_api.get("invitations/").json()["results"]] == [invitation["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api("post", f"invitations/{invitation['id']}/resend/").status_code == 200
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["new@example.com"]
    response = owner_api("post", f"invitations/{invitation['id']}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert owner_api.get("invitations/").json()["results"] == []
    assert_problem(owner_api("post", f"invitations/{invitation['id']}/resend/"), 400)


def test_an_admin_key_cannot_invite_an_owner(admin_api, org):
    assert_problem(admin_api("post", "invitations/", {"email": "boss@example.com", "role": "owner"}), 403)
    with org_scope(org):
        assert not Invitation.objects.exists()


# --- domains -----------------------------------------------------------------------------------


def test_adding_verifying_and_deleting_a_domain(owner_api, org, monkeypatch):
    from tenants import domain_checks

    response = owner_api("post", "domains/", {"name": "Acme.Example"})
    assert response.status_code == 201
    domain = response.json()
    assert domain["name"] == "acme.example" and domain["status"] == "unverified"
    with org_scope(org):
        assert domain["dns_record_value"].endswith("=" + Domain.objects.get().token)
    monkeypatch.setitem(domain_checks.CHECKS, "dns", lambda name, token: domain_checks.CheckResult(True, ""))
    response = owner_api("post", f"domains/{domain['id']}/verify/", {"method": "dns"})
    assert response.status_code == 200 and response.json()["status"] == "verified"
    assert owner_api("delete", f"domains/{domain['id']}/").status_code == 204
    with org_scope(org):
        assert not Domain.objects.exists()


def test_a_failed_verification_says_why(owner_api, monkeypatch):
    from tenants import domain_checks

    domain = owner_api("post", "domains/", {"name": "acme.example"}).json()
    monkeypatch.setitem(domain_checks.CHECKS, "dns", lambda name, token: domain_checks.CheckResult(False, "No TXT"))
    response = owner_api("post", f"domains/{domain['id']}/verify/", {"method": "dns"})
    assert response.json()["status"] == "unverified" and response.json()["last_failure_reason"] == "No TXT"


def test_a_duplicate_domain_is_400(owner_api):
    owner_api("post", "domains/", {"name": "acme.example"})
    body = assert_problem(owner_api("post", "domains/", {"name": "acme.example"}), 400)
    assert "already one of" in body["detail"]


# --- OAuth applications ----------------------------------------------------------------------------


def test_creating_an_app_returns_its_secret_once(owner_api, org):
    response = owner_api("post", "oauth-apps/", {"grant_type": "client-credentials", "name": "Entra",
                                                 "scopes": list(scopes.MANAGED_USERS)})
    assert response.status_code == 201, response.content
    created = response.json()
    assert "no-store" in response["Cache-Control"]
    with org_scope(org):
        application = Application.objects.get(client_id=created["client_id"])
    assert check_password(created["client_secret"], application.client_secret)
    assert created["client_secret"] not in application.client_secret
    for later in (owner_api.get(f"oauth-apps/{created['id']}/"), owner_api.get("oauth-apps/")):
        assert "client_secret" not in later.content.decode() and created["client_secret"] not in later.content.decode()


def test_editing_an_apps_name_and_redirect_urls(owner_api, org):
    created = owner_api("post", "oauth-apps/", {
        "grant_type": "authorization-code", "name": "Okta", "company_name": "Acme", "redirect_url": OKTA_CALLBACK,
        "scopes": list(scopes.MANAGED_USERS)}).json()
    urls = [OKTA_CALLBACK, "https://acme.okta.example/other"]
    response = owner_api("patch", f"oauth-apps/{created['id']}/", {"name": "Okta prod", "redirect_urls": urls})
    assert response.status_code == 200 and response.json()["redirect_urls"] == urls
    assert response.json()["name"] == "Okta prod"
    body = assert_problem(owner_api("patch", f"oauth-apps/{created['id']}/", {"redirect_urls": ["http://evil"]}), 400)
    assert "https" in body["detail"]
    with org_scope(org):
        assert AuditEvent.objects.filter(action="oauth_app.updated").count() == 1


def test_rotating_disabling_enabling_and_deleting_an_app(owner_api, org):
    created = owner_api("post", "oauth-apps/", {"grant_type": "client-credentials", "name": "Entra",
                                                "scopes": list(scopes.MANAGED_USERS)}).json()
    response = owner_api("post", f"oauth-apps/{created['id']}/rotate-secret/", {"grace_days": 3})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new_secret = response.json()["client_secret"]
    with org_scope(org):
        application = Application.objects.get(client_id=created["client_id"])
    assert check_password(new_secret, application.client_secret)
    assert application.previous_secret_matches(created["client_secret"])
    assert owner_api("post", f"oauth-apps/{created['id']}/disable/").json()["status"] == "disabled"
    assert owner_api("post", f"oauth-apps/{created['id']}/enable/").json()["status"] == "active"
    assert owner_api("delete", f"oauth-apps/{created['id']}/").status_code == 204
    assert_problem(owner_api.get(f"oauth-apps/{created['id']}/"), 404)


def test_a_grace_over_30_days_is_400(owner_api):
    created = owner_api("post", "oauth-apps/", {"grant_type": "client-credentials", "name": "Entra",
                                                "scopes": list(scopes.MANAGED_USERS)}).json()
    assert "grace_days" in assert_problem(
        owner_api("post", f"oauth-apps/{created['id']}/rotate-secret/", {"grace_days": 31}), 400)["errors"]


# --- SCIM tokens -----------------------------------------------------------------------------------


def test_a_scim_token_is_shown_once_and_revoked(owner_api, org, rf):
    response = owner_api("post", "scim-tokens/", {"name": "Okta header", "scopes": [scopes.READ]})
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    created = response.json()
    request = rf.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    assert principal_from_request(request).org == org
    listing = owner_api.get("scim-tokens/").content.decode()
    assert created["id"] in listing and created["token"] not in listing
    assert created["token"] not in owner_api.get(f"scim-tokens/{created['id']}/").content.decode()
    assert owner_api("post", f"scim-tokens/{created['id']}/revoke/").json()["revoked"] is not None
    assert owner_api.get("scim-tokens/").json()["results"] == []


def test_a_third_scim_token_is_refused(owner_api):
    for name in ("one", "two"):
        owner_api("post", "scim-tokens/", {"name": name, "scopes": [scopes.READ]})
    body = assert_problem(owner_api("post", "scim-tokens/", {"name": "three", "scopes": [scopes.READ]}), 400)
    assert "at most two" in body["detail"]


# --- directory and logs ------------------------------------------------------------------------


@pytest.fixture
def directory(org):
    with org_scope(org):
        users = [ScimUser.objects.create(org=org, user_name=f"user{n:02d}@acme.example", active=n % 2 == 0)
                 for n in range(7)]
        group = Group.objects.create(org=org, display_name="Engineering")
        Group.objects.create(org=org, display_name="Sales")
        for user in users[:3]:
            group.memberships.create(org=org, user=user)
        ProvisioningEvent.objects.create(org=org, method="POST", path="/scim/v2/Users", status=201)
        ProvisioningEvent.objects.create(org=org, method="PATCH", path="/scim/v2/Groups/x", status=400)
    return {"users": users, "group": group}


def test_directory_users_are_paged_and_filtered(read_api, directory):
    rows, pages = all_pages(read_api, "directory/users/?limit=3")
    assert [row["user_name"] for row in rows] == [f"user{n:02d}@acme.example" for n in range(7)] and pages == 3
    inactive = read_api.get("directory/users/?active=no").json()["results"]
    assert [row["user_name"] for row in inactive] == ["user01@acme.example", "user03@acme.example",
                                                      "user05@acme.example"]
    one = directory["users"][4]
    assert read_api.get(f"directory/users/{one.public_id}/").json()["user_name"] == one.user_name
    assert read_api.get("directory/users/?q=user04").json()["results"][0]["id"] == one.public_id


def test_directory_groups_with_member_counts(read_api, directory):
    rows, _pages = all_pages(read_api, "directory/groups/?limit=1")
    assert [(row["display_name"], row["member_count"]) for row in rows] == [("Engineering", 3), ("Sales", 0)]
    group = read_api.get(f"directory/groups/{directory['group'].public_id}/").json()
    assert group["member_count"] == 3
    assert [row["display_name"] for row in read_api.get("directory/groups/?q=sal").json()["results"]] == ["Sales"]


def test_the_provisioning_log_is_filtered(read_api, directory):
    errors = read_api.get("provisioning-log/?status=errors").json()["results"]
    assert [(row["method"], row["status"]) for row in errors] == [("PATCH", 400)]
    assert len(read_api.get("provisioning-log/").json()["results"]) == 2
    assert "request_body" not in read_api.get("provisioning-log/").json()["results"][0]


def test_the_audit_log_is_filtered_and_paged(owner_api, org):
    for name in ("a.example", "b.example", "c.example"):
        owner_api("post", "domains/", {"name": name})
    added, pages = all_pages(owner_api, "audit-log/?action=domain.added&limit=2")
    assert [row["object_repr"] for row in added] == ["c.example", "b.example", "a.example"] and pages == 2
    assert all(row["actor_kind"] == "credential" for row in added)


def test_a_list_costs_the_same_few_queries_at_any_size(read_api, org, django_assert_max_num_queries):
    for _ in range(30):
        add_member(org)
    with django_assert_max_num_queries(6):  # key, creator's role, members page (with their accounts)
        assert len(read_api.get("members/?limit=30").json()["results"]) == 30
