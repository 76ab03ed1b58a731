"""Selectors answer for the org they are given, whatever scope the caller is in."""

from oauthapps.selectors import application_approvers
from tenants.models import Membership
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import UserFactory, add_member

from .conftest import issue_live_tokens


def test_an_admin_of_another_org_only_is_no_approver_even_under_all_orgs_scope(org, other_org, admin, okta_app):
    application, _ = okta_app
    elsewhere = UserFactory(email="elsewhere@example.com")
    add_member(org, elsewhere, Membership.Role.MEMBER)
    add_member(other_org, elsewhere, Membership.Role.ADMIN)
    for approver in (admin, elsewhere):
        issue_live_tokens(application, approver)
    with all_orgs_scope():
        approvers = application_approvers(org=org, application=application)
    assert [(each.user, each.still_valid) for each in approvers] == [(admin, True), (elsewhere, False)]


def test_approvers_are_listed_the_same_from_the_console_scope(org, admin, okta_app):
    application, _ = okta_app
    issue_live_tokens(application, admin)
    with org_scope(org):
        assert [each.user for each in application_approvers(org=org, application=application)] == [admin]
