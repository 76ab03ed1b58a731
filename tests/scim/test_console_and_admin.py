from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from scim.models import ProvisioningEvent
from scim.tasks import prune_provisioning_log
from tenants.models import Membership
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import UserFactory, add_member

from .conftest import body_of, group_body, make_users, scim_client_for, user_body


def console_client_for(client, org):
    admin = UserFactory()
    add_member(org, admin, Membership.Role.ADMIN)
    client.force_login(admin)
    return client


def test_console_users_page_lists_only_this_orgs_users_with_search(client, scim_org, other_scim_org):
    from django.test import Client

    ours = scim_client_for(Client(), scim_org)
    theirs = scim_client_for(Client(), other_scim_org)
    ours.post("/Users", user_body("ann@example.com"))
    ours.post("/Users", user_body("bob@example.com"))
    theirs.post("/Users", user_body("zed@example.com"))
    console = console_client_for(client, scim_org)
    page = console.get(reverse("console:scim_users")).content.decode()
    assert "ann@example.com" in page and "bob@example.com" in page and "zed@example.com" not in page
    searched = console.get(reverse("console:scim_users") + "?q=bob").content.decode()
    assert "bob@example.com" in searched and "ann@example.com" not in searched


def test_console_provisioning_log_filters_failures(client, scim_org):
    from django.test import Client

    scim = scim_client_for(Client(), scim_org)
    scim.post("/Users", user_body("ann@example.com"))
    scim.get("/Users?filter=nonsense%20eq%20%22x%22")
    console = console_client_for(client, scim_org)
    page = console.get(reverse("console:provisioning_log")).content.decode()
    assert "POST /scim/v2/Users" in page and "invalidFilter" in page
    failures = console.get(reverse("console:provisioning_log") + "?status=errors").content.decode()
    assert "invalidFilter" in failures and "POST /scim/v2/Users" not in failures


def test_staff_admin_lists_users_and_events_of_every_org(client, scim_org, other_scim_org):
    from django.test import Client

    scim_client_for(Client(), scim_org).post("/Users", user_body("ann@example.com"))
    scim_client_for(Client(), other_scim_org).post("/Users", user_body("zed@example.com"))
    staff = User.objects.create_superuser("staff@example.org", "a-long-staff-password")
    client.force_login(staff)
    users = client.get(reverse("admin:scim_scimuser_changelist")).content.decode()
    assert "ann@example.com" in users and "zed@example.com" in users
    filtered = client.get(reverse("admin:scim_provisioningevent_changelist") + f"?org__id__exact={scim_org.pk}")
    assert filtered.status_code == 200 and "Acme SCIM" in filtered.content.decode()


def test_pruning_deletes_events_older_than_30_days(scim, scim_org):
    scim.get("/Users")
    scim.get("/Users")
    with org_scope(scim_org):
        old = ProvisioningEvent.objects.first()
        ProvisioningEvent.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    assert prune_provisioning_log() == 1
    with all_orgs_scope():
        assert ProvisioningEvent.objects.count() == 1


def test_plain_members_cannot_see_the_scim_console_pages(client, scim_org):
    member = UserFactory()
    add_member(scim_org, member, Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get(reverse("console:scim_users")).status_code == 403
    assert client.get(reverse("console:provisioning_log")).status_code == 403


def test_console_groups_page_lists_this_orgs_groups_with_member_counts_and_search(client, scim_org, other_scim_org):
    from django.test import Client

    ours = scim_client_for(Client(), scim_org)
    members = make_users(ours, 3)
    ours.post("/Groups", group_body("Engineering", members))
    ours.post("/Groups", group_body("Sales", members[:1]))
    scim_client_for(Client(), other_scim_org).post("/Groups", group_body("Globex only"))
    console = console_client_for(client, scim_org)
    page = console.get(reverse("console:scim_groups")).content.decode()
    assert "Engineering" in page and "Sales" in page and "Globex only" not in page
    assert "<td>3</td>" in page and "source of truth" in page
    searched = console.get(reverse("console:scim_groups") + "?q=sal").content.decode()
    assert "Sales" in searched and "Engineering" not in searched


def test_console_group_page_lists_members_and_hides_other_orgs_groups(client, scim_org, other_scim_org):
    from django.test import Client

    ours = scim_client_for(Client(), scim_org)
    group = body_of(ours.post("/Groups", group_body("Engineering", make_users(ours, 2))))
    theirs = body_of(scim_client_for(Client(), other_scim_org).post("/Groups", group_body("Theirs")))
    console = console_client_for(client, scim_org)
    page = console.get(reverse("console:scim_group", args=[group["id"]])).content.decode()
    assert "member0@example.com" in page and "member1@example.com" in page and "2 members" in page
    assert console.get(reverse("console:scim_group", args=[theirs["id"]])).status_code == 404


def test_plain_members_cannot_see_the_groups_pages(client, scim_org):
    member = UserFactory()
    add_member(scim_org, member, Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get(reverse("console:scim_groups")).status_code == 403


def test_staff_admin_lists_groups_of_every_org_with_member_counts(client, scim_org, other_scim_org):
    from django.test import Client

    ours = scim_client_for(Client(), scim_org)
    ours.post("/Groups", group_body("Engineering", make_users(ours, 2)))
    scim_client_for(Client(), other_scim_org).post("/Groups", group_body("Globex team"))
    client.force_login(User.objects.create_superuser("staff@example.org", "a-long-staff-password"))
    page = client.get(reverse("admin:scim_group_changelist")).content.decode()
    assert "Engineering" in page and "Globex team" in page
