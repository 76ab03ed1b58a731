"""PreparedQuery: a queryset compiled once per process gives what the ORM gives, and its org filter is
the scope's at each run, never the one it was compiled in."""

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler

from tenants.models import Membership
from tenants.prepared_queries import PreparedQuery
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import UserFactory, add_member


def memberships_by_email():
    return PreparedQuery(lambda email: Membership.objects.select_related("user", "org")
                         .annotate(user_memberships=Count("user__memberships")).filter(user__email=email))


def test_it_returns_what_the_orm_returns_with_related_rows_and_annotations(org):
    member = add_member(org, UserFactory(email="ada@acme.example"), Membership.Role.ADMIN)
    with org_scope(org):
        (prepared,) = memberships_by_email().all(email="ada@acme.example")
        (plain,) = Membership.objects.select_related("user", "org").annotate(
            user_memberships=Count("user__memberships")).filter(user__email="ada@acme.example")
    assert prepared == member
    assert [prepared.role, prepared.created, prepared.user.email, prepared.org.name, prepared.user_memberships] == [
        plain.role, plain.created, plain.user.email, plain.org.name, plain.user_memberships]


def test_each_run_is_filtered_by_the_org_then_in_scope(org, other_org):
    shared = UserFactory(email="shared@example.com")
    add_member(org, shared)
    add_member(other_org, shared)
    query = memberships_by_email()
    with org_scope(org):
        assert [m.org_id for m in query.all(email="shared@example.com")] == [org.pk]
    with org_scope(other_org):  # the SQL compiled in org's scope is reused, with the other org's id
        assert [m.org_id for m in query.all(email="shared@example.com")] == [other_org.pk]
    with all_orgs_scope():
        assert {m.org_id for m in query.all(email="shared@example.com")} == {org.pk, other_org.pk}


def test_it_compiles_once_per_kind_of_scope(org, monkeypatch):
    add_member(org, UserFactory(email="ada@acme.example"))
    query = memberships_by_email()
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with org_scope(org):
        for email in ("ada@acme.example", "nobody@acme.example", "ada@acme.example"):
            query.first(email=email)
    assert len(compiled) == 1


def test_a_values_list_query_returns_its_rows_as_tuples_per_org(org, other_org):
    add_member(org, UserFactory(email="ada@acme.example"), Membership.Role.ADMIN)
    add_member(other_org, UserFactory(email="bob@other.example"))

    def members_by_role():
        return Membership.objects.values("role").annotate(members=Count("id")).order_by("role").values_list("role", "members")

    prepared = PreparedQuery(members_by_role)
    with org_scope(org):
        in_org = prepared.all()
        assert in_org == list(members_by_role()) and (Membership.Role.ADMIN, 1) in in_org
    with org_scope(other_org):
        assert prepared.all() == list(members_by_role()) != in_org


def test_outside_a_scope_a_tenant_query_still_refuses_to_run(db):
    from tenants.scoping import TenantScopeError

    with pytest.raises(TenantScopeError):
        memberships_by_email().all(email="ada@acme.example")


def test_a_value_the_sql_does_not_take_as_it_is_is_refused(org):
    # (icontains sends '%ada%': a later run would still search for the first run's value)
    changed = PreparedQuery(lambda email: Membership.objects.filter(user__email__icontains=email))
    with org_scope(org), pytest.raises(ValueError, match="each value as it is"):
        changed.all(email="ada")


def test_a_value_may_appear_more_than_once(org):
    ada, bob = UserFactory(email="ada@acme.example"), UserFactory(email="bob@acme.example")
    add_member(org, ada)
    invited_by_self = add_member(org, bob)
    twice = PreparedQuery(lambda email: Membership.objects.filter(user__email=email, invited_by__email=email))
    with org_scope(org):
        invited_by_self.invited_by = bob
        invited_by_self.save()
        assert twice.all(email="ada@acme.example") == []
        assert twice.all(email="bob@acme.example") == [invited_by_self]


def test_an_offset_is_a_parameter_in_its_place_among_the_others(org, other_org, monkeypatch):
    for n in range(5):
        add_member(org, UserFactory(email=f"m{n}@acme.example"))
        add_member(other_org, UserFactory(email=f"o{n}@globex.example"))

    def page(offset, role):  # the offset sits in a subquery, before the role's parameter
        ids = Membership.objects.order_by("pk").values("pk")[offset:offset + 2]
        return Membership.objects.filter(pk__in=ids).filter(role=role).order_by("pk")

    expected = {}
    for scope_org in (org, other_org):
        with org_scope(scope_org):
            for offset in (0, 1, 3, 5):
                expected[scope_org.pk, offset] = list(page(offset, "member"))
    query = PreparedQuery(page, offset="offset")
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with org_scope(org):
        query.all(offset=0, role="member")  # compiles, the subquery included
    assert compiled
    compiled.clear()
    for scope_org in (org, other_org):
        with org_scope(scope_org):
            for offset in (0, 1, 3, 5):
                assert query.all(offset=offset, role="member") == expected[scope_org.pk, offset]
    assert not compiled
    assert expected[other_org.pk, 1] and {m.org_id for m in expected[other_org.pk, 1]} == {other_org.pk}
    assert expected[org.pk, 0] != expected[org.pk, 1]


def test_an_offset_must_be_a_slice(org):
    with org_scope(org), pytest.raises(ValueError, match="must slice the queryset once"):
        PreparedQuery(lambda offset: Membership.objects.filter(pk__gt=0), offset="offset").all(offset=3)


def test_a_prepared_insert_compiles_once_and_leaves_rows_as_save_would(org, monkeypatch):
    from django.db.models.sql.compiler import SQLInsertCompiler

    from tenants.prepared_queries import PreparedInsert

    rows = [Membership(org=org, user=UserFactory(email=f"p{n}@acme.example"), role=role)
            for n, role in enumerate([Membership.Role.ADMIN, Membership.Role.MEMBER])]
    insert = PreparedInsert(Membership)
    compiled = []
    original = SQLInsertCompiler.as_sql
    monkeypatch.setattr(SQLInsertCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    for row in rows:
        insert.insert(row)
        assert row.pk and not row._state.adding and row.public_id.startswith("MB") and row.created
    assert len(compiled) == 1
    with org_scope(org):
        stored = {m.pk: (m.user.email, m.role, m.public_id) for m in Membership.objects.filter(pk__in=[r.pk for r in rows])}
    assert stored == {row.pk: (row.user.email, row.role, row.public_id) for row in rows}


def statements_prepared_on_the_server(table: str) -> list[str]:
    with connection.cursor() as cursor:  # this session's: every test of a worker shares its connection
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [f'%"{table}"%'])
        return [row[0] for row in cursor.fetchall()]


def test_postgresql_parses_a_prepared_query_once_per_connection(org):
    add_member(org, UserFactory(email="ada@acme.example"))
    by_role = PreparedQuery(lambda role: Membership.objects.filter(role=role).select_related("user"))
    with org_scope(org):
        for role in (Membership.Role.MEMBER, Membership.Role.ADMIN, Membership.Role.MEMBER):
            assert by_role.all(role=role) == list(Membership.objects.filter(role=role))
    (statement,) = [sql for sql in statements_prepared_on_the_server("tenants_membership") if '"role" = $' in sql]
    assert '"org_id" = $' in statement  # the org is a parameter too: one statement serves every org


def test_nothing_is_prepared_behind_pgbouncer_or_for_a_query_planned_with_its_values(org, settings):
    add_member(org, UserFactory(email="ada@acme.example"))
    by_email = PreparedQuery(lambda email: Membership.objects.filter(user__email=email, role=Membership.Role.MEMBER))
    by_name = PreparedQuery(lambda name: Membership.objects.filter(user__display_name=name), planned_once=False)
    with org_scope(org):
        by_name.all(name="Ada")
        settings.DATABASE_STATEMENTS_PREPARED = False  # DATABASE_POOLER=pgbouncer
        assert [m.user.email for m in by_email.all(email="ada@acme.example")] == ["ada@acme.example"]
    assert not [sql for sql in statements_prepared_on_the_server("tenants_membership")
                if '"email" = $' in sql or "display_name\" = $" in sql]


def test_rows_become_instances_without_model_init_as_from_db_would_build_them(org, monkeypatch):
    from django.db.models import Model

    member = add_member(org, UserFactory(email="ada@acme.example"), Membership.Role.ADMIN)
    initialised = []
    original_init = Model.__init__

    def counting_init(self, *args, **kwargs):
        initialised.append(type(self))
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(Model, "__init__", counting_init)
    with org_scope(org):
        (prepared,) = PreparedQuery(lambda email: Membership.objects.filter(user__email=email)).all(email="ada@acme.example")
        assert initialised == []  # (a plain queryset's rows go through __init__)
        plain = Membership.objects.get(pk=member.pk)
        assert initialised == [Membership]
        fields = {field.attname for field in Membership._meta.concrete_fields}
        assert {name: getattr(prepared, name) for name in fields} == {name: getattr(plain, name) for name in fields}
        assert (prepared._state.adding, prepared._state.db) == (False, "default")
        assert prepared.user.email == "ada@acme.example"  # relations load as usual
        prepared.role = Membership.Role.MEMBER
        prepared.save()  # an UPDATE of the row, as for any instance read from the database
        assert Membership.objects.get(pk=member.pk).role == Membership.Role.MEMBER


def test_a_model_with_init_receivers_is_built_by_from_db(org):
    from django.db.models.signals import post_init

    member = add_member(org, UserFactory(email="ada@acme.example"))
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Membership)
    try:
        with org_scope(org):
            PreparedQuery(lambda email: Membership.objects.filter(user__email=email)).all(email="ada@acme.example")
    finally:
        post_init.disconnect(receiver, sender=Membership)
    assert seen == [member.pk]


def test_a_prepared_delete_removes_the_scoped_orgs_rows_only_and_compiles_once(org, other_org, monkeypatch):
    from django.db.models import F, Value
    from django.db.models.sql.compiler import SQLDeleteCompiler

    from tenants.prepared_queries import IsAnyOf

    users = [UserFactory(email=f"d{n}@example.com") for n in range(3)]
    for user in users:
        add_member(org, user)
        add_member(other_org, user)
    of_users = PreparedQuery(lambda user_ids: Membership.objects.filter(IsAnyOf(F("user_id"), Value(user_ids))))
    compiled = []
    original = SQLDeleteCompiler.as_sql
    monkeypatch.setattr(SQLDeleteCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with org_scope(org):
        assert of_users.delete(user_ids=[users[0].pk, users[1].pk]) == 2
        assert of_users.delete(user_ids=[users[2].pk, users[0].pk]) == 1  # one id matches nothing any more
        assert not Membership.objects.exists()
    with org_scope(other_org):
        assert Membership.objects.count() == 3  # the same people's memberships of another org stay
    assert len(compiled) == 1


def test_a_delete_that_would_cascade_or_signal_is_not_prepared(org):
    from scim.models import ScimUser

    with org_scope(org), pytest.raises(ValueError, match="one by one"):
        PreparedQuery(lambda name: ScimUser.objects.filter(user_name=name)).delete(name="ada")


def test_a_prepared_update_sets_fields_as_update_would_in_the_scoped_org(org, other_org, monkeypatch):
    from django.db.models import F, Value
    from django.db.models.lookups import Exact
    from django.db.models.sql.compiler import SQLUpdateCompiler

    from tenants.prepared_queries import PreparedUpdate
    from scim.models import Group

    with org_scope(org):
        ours = Group.objects.create(org=org, display_name="Engineering")
    with org_scope(other_org):
        theirs = Group.objects.create(org=other_org, display_name="Engineering")
    rename = PreparedUpdate(lambda pk: Group.objects.filter(Exact(F("pk"), Value(pk))), fields=["display_name", "external_id"],
                            expressions={"version": F("version") + 1})
    compiled = []
    original = SQLUpdateCompiler.as_sql
    monkeypatch.setattr(SQLUpdateCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
    with org_scope(org):
        assert rename.update(pk=ours.pk, display_name="Platform", external_id="ext-1") == 1
        assert rename.update(pk=ours.pk, display_name="Platform 2", external_id=None) == 1  # None is NULL
        assert rename.update(pk=theirs.pk, display_name="Stolen", external_id="x") == 0  # not this org's row
        ours.refresh_from_db()
    with org_scope(other_org):
        theirs.refresh_from_db()
    assert [ours.display_name, ours.external_id, ours.version] == ["Platform 2", None, 3]
    assert [theirs.display_name, theirs.version] == ["Engineering", 1]
    assert len(compiled) == 1


def test_is_any_of_matches_a_list_of_strings_or_ids_as_one_parameter(org):
    from django.db.models import F, Value

    from tenants.prepared_queries import IsAnyOf

    members = [add_member(org, UserFactory(email=f"a{n}@example.com")) for n in range(3)]
    by_public_id = PreparedQuery(lambda ids: Membership.objects.filter(IsAnyOf(F("public_id"), Value(ids))).order_by("id"))
    with org_scope(org):
        assert by_public_id.all(ids=[members[2].public_id, members[0].public_id, "MBnone"]) == [members[0], members[2]]
        assert by_public_id.all(ids=[]) == []
