import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from scim.models import Group, ProvisioningEvent, ScimUser
from tenants.models import AuditEvent, Membership
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import UserFactory, add_member

from .conftest import scim_client_for, user_body
from .test_console_and_admin import console_client_for


def _staff(client):
    client.force_login(User.objects.create_superuser("staff@example.org", "a-long-staff-password"))
    return client


def test_staff_deactivate_a_user_which_suspends_their_membership_and_is_audited(client, scim_org, other_scim_org):
    account = UserFactory(email="ann@example.com")
    add_member(scim_org, account, Membership.Role.MEMBER)
    scim_client_for(Client(), scim_org).post("/Users", user_body("ann@example.com"))
    with org_scope(scim_org):
        ann = ScimUser.objects.get()
    response = _staff(client).post(reverse("admin:scim_scimuser_changelist"),
                                   {"action": "deactivate", "_selected_action": [ann.pk]})
    assert response.status_code == 302
    ann.refresh_from_db()
    account.refresh_from_db()
    # As the IdP's deactivation: this org's membership is suspended; the global account is untouched
    # (staff disable an account itself with User.is_active in /admin/).
    assert ann.active is False and account.is_active
    with org_scope(scim_org):
        assert Membership.objects.get(user=account).suspended_by_idp
    with org_scope(scim_org):
        event = AuditEvent.objects.exclude(action="scim_token.created").get()  # the fixture's token is audited too
    assert (event.action, event.object_id, event.actor_label) == ("scim_user.deactivated", ann.public_id, "staff@example.org")
    with org_scope(other_scim_org):
        assert not AuditEvent.objects.exists()


def test_org_admins_see_staff_changes_in_the_provisioning_log(client, scim_org, other_scim_org):
    scim_client_for(Client(), scim_org).post("/Users", user_body("ann@example.com"))
    scim_client_for(Client(), other_scim_org).post("/Users", user_body("zed@example.com"))
    with all_orgs_scope():
        users = list(ScimUser.objects.values_list("pk", flat=True))
    _staff(Client()).post(reverse("admin:scim_scimuser_changelist"), {"action": "deactivate", "_selected_action": users})
    page = console_client_for(client, scim_org).get(reverse("console:provisioning_log")).content.decode()
    assert 'id="staff-changes"' in page and "Deactivated a directory user" in page
    assert "ann@example.com" in page and "zed@example.com" not in page


def test_staff_audit_log_is_read_only_and_filterable_by_org(client, scim_org):
    staff = _staff(client)
    response = staff.get(reverse("admin:tenants_auditevent_changelist") + f"?org__id__exact={scim_org.pk}")
    assert response.status_code == 200
    assert staff.get(reverse("admin:tenants_auditevent_add")).status_code == 403


def _one_of_each(scim_org):
    """A SCIM user, a group and provisioning events, made by the IdP."""
    scim = scim_client_for(Client(), scim_org)
    user_id = scim.post("/Users", user_body("ann@example.com")).json()["id"]
    scim.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Team",
                          "members": [{"value": user_id}]})
    with org_scope(scim_org):
        return {"scimuser": ScimUser.objects.get(), "group": Group.objects.get(),
                "provisioningevent": ProvisioningEvent.objects.first()}


@pytest.mark.parametrize("model", ["scimuser", "group", "provisioningevent"])
def test_staff_cannot_delete_directory_rows_one_by_one_or_in_bulk(client, scim_org, model):
    row = _one_of_each(scim_org)[model]
    staff = _staff(client)
    assert staff.get(reverse(f"admin:scim_{model}_delete", args=[row.pk])).status_code == 403
    changelist = staff.get(reverse(f"admin:scim_{model}_changelist"))
    assert changelist.status_code == 200
    action_form = changelist.context["action_form"]  # None: no actions at all
    actions = [name for name, _label in action_form.fields["action"].choices] if action_form else []
    assert "delete_selected" not in actions and 'value="delete_selected"' not in changelist.content.decode()
    refused = staff.post(reverse(f"admin:scim_{model}_changelist"),
                         {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert refused.status_code in (200, 302)
    with org_scope(scim_org):
        assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", ["scimuser", "group", "provisioningevent"])
def test_staff_cannot_add_or_change_directory_rows(client, scim_org, model):
    row = _one_of_each(scim_org)[model]
    staff = _staff(client)
    assert staff.get(reverse(f"admin:scim_{model}_add")).status_code == 403
    page = staff.get(reverse(f"admin:scim_{model}_change", args=[row.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_staff_deactivation_is_one_version_and_one_audit_row_and_idempotent(client, scim_org):
    _one_of_each(scim_org)
    with org_scope(scim_org):
        ann = ScimUser.objects.get()
    staff = _staff(client)
    for _ in range(2):
        staff.post(reverse("admin:scim_scimuser_changelist"), {"action": "deactivate", "_selected_action": [ann.pk]})
    ann.refresh_from_db()
    assert ann.active is False and ann.version == 2
    with org_scope(scim_org):
        assert list(AuditEvent.objects.filter(action__startswith="scim_user.").values_list("action", "actor_kind")) == [
            ("scim_user.deactivated", "staff")]
