import pytest
from django.db import models

from tenants.models import Membership
from tenants.scoping import TenantScopeError, all_orgs_scope, org_scope
from tests.factories import UserFactory, add_member


def test_query_outside_a_scope_raises(db):
    with pytest.raises(TenantScopeError):
        Membership.objects.all()


def test_related_manager_outside_a_scope_raises(db):
    user = UserFactory()
    with pytest.raises(TenantScopeError):
        list(user.memberships.all())


def test_org_scope_puts_the_org_filter_in_the_sql(org, other_org):
    add_member(org)
    add_member(other_org)
    with org_scope(org):
        queryset = Membership.objects.all()
        sql = str(queryset.query)
        assert f'"org_id" = {org.pk}' in sql
        assert {m.org_id for m in queryset} == {org.pk}


@pytest.mark.parametrize("build", [
    lambda rows: rows.all(),
    lambda rows: rows.filter(role="owner").exclude(user__email__icontains="x").order_by("-pk")[2:5],
    lambda rows: rows.values("role").annotate(n=models.Count("pk")),
    lambda rows: rows.filter(pk__in=rows.filter(role="owner").values("pk")),
], ids=["all", "filtered-excluded-sliced", "grouped", "subquery"])
def test_the_scopes_filter_is_exactly_filter_org_id(org, build):
    """The manager adds WHERE org_id = <scope> itself (cheaper than filter()): the SQL is the same."""
    from django.db.models import Manager

    with org_scope(org):
        scoped = build(Membership.objects)
        by_filter = build(Manager.get_queryset(Membership.objects).filter(org_id=org.pk))
        assert str(scoped.query) == str(by_filter.query)
        assert list(scoped) == list(by_filter)


def test_or_filters_stay_inside_the_org(org, other_org):
    from django.db.models import Q

    shared = UserFactory()
    add_member(org, shared)
    add_member(other_org, shared)
    with org_scope(org):
        found = Membership.objects.filter(Q(user=shared) | Q(role="owner"))
        assert [m.org_id for m in found] == [org.pk]


def test_scope_ends_with_the_block(org):
    with org_scope(org):
        Membership.objects.count()
    with pytest.raises(TenantScopeError):
        Membership.objects.count()


def test_all_orgs_scope_is_explicit(org, other_org):
    add_member(org)
    add_member(other_org)
    with all_orgs_scope():
        assert Membership.objects.count() == 2


def test_org_scope_refuses_an_unsaved_org(db):
    from tenants.models import Organization

    with pytest.raises(TenantScopeError):
        with org_scope(Organization(name="unsaved")):
            pass
