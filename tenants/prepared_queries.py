"""Querysets of a fixed shape compiled to SQL once per process, then run with new values.

Django compiles a queryset to SQL every time it is evaluated. For the lookups every SCIM request makes
(its credential with its application and org, a user with its e-mails and groups) compiling took
0.5-1 ms each, more than PostgreSQL took to answer them by index (issue 14). Their shape never changes,
only the looked-up value and the org in scope, so a PreparedQuery builds the queryset once with
placeholder values, keeps its SQL and the compiler's plan for turning rows into instances
(select_related and annotations included), and later only swaps the values in.

A value may also be a page's OFFSET (`offset=` names it): Django writes a slice's bounds into the SQL
as numbers, so the queryset is built with a sentinel offset that the SQL then takes as a parameter.

The org filter stays the scoping mechanism's: the queryset is built inside a placeholder org's scope,
and each run puts the org in scope at the time into that parameter. A run under no scope or under
all_orgs_scope() uses the SQL built under that same kind of scope.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import nullcontext

from django.db import connections
from django.db.models import Lookup, Model, QuerySet, Value
from django.db.models.base import ModelState
from django.db.models.deletion import Collector
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.db.models.sql import DeleteQuery, InsertQuery, UpdateQuery

from .scoping import current_scope, placeholder_scope

# An org id no row has: where it appears in the compiled parameters, the org in scope goes.
_ORG_PLACEHOLDER = -7_140_000_000_000_000_014
# An OFFSET no page has: where it appears in the compiled SQL, a parameter goes.
_OFFSET_SENTINEL = 7_140_000_000_000_000_021
_PARAMETER_OR_PERCENT = re.compile("%s|%%")


def _placeholder(name: str) -> str:
    return f"\x00prepared:{name}\x00"


class _Statement:
    """One statement compiled with placeholder values: its SQL, and where each run's values go."""

    def __init__(self, compiler, names: list[str], offset: str | None = None):
        self.db = compiler.using
        self.compiler = compiler
        self.sql, params = compiler.as_sql()
        by_placeholder = {_placeholder(name): name for name in names if name != offset}
        # Each parameter: a value's name, the org in scope, or a constant the queryset holds.
        self.slots = [("value", by_placeholder[param]) if param in by_placeholder
                      else ("org", None) if param == _ORG_PLACEHOLDER else ("constant", param) for param in params]
        if offset is not None:
            self._take_offset(offset)
        taken = {name for kind, name in self.slots if kind == "value"}
        if taken != set(names) or any(_placeholder(name) in self.sql for name in names):
            raise ValueError(f"A prepared query takes each value as it is, as a parameter; got {sorted(taken)} of {names}.")

    def _take_offset(self, name: str) -> None:
        """The sentinel OFFSET written into the SQL becomes a parameter, in its place among the others."""
        literal = f"OFFSET {_OFFSET_SENTINEL}"
        if self.sql.count(literal) != 1:
            raise ValueError(f"A prepared query's offset {name!r} must slice the queryset once.")
        position = self.sql.index(literal)
        before = sum(token == "%s" for token in _PARAMETER_OR_PERCENT.findall(self.sql[:position]))
        self.sql = self.sql.replace(literal, "OFFSET %s")
        self.slots.insert(before, ("value", name))

    def params(self, org_id: int | None, values: dict) -> list:
        return [values[item] if kind == "value" else org_id if kind == "org" else item for kind, item in self.slots]

    def execute(self, org_id: int | None, values: dict) -> int:
        """Run a statement that returns no rows (DELETE, UPDATE): how many rows it changed."""
        with _planned_once_cursor(self.db) as cursor:
            cursor.execute(self.sql, self.params(org_id, values))
            return cursor.rowcount


class _Compiled(_Statement):
    """A SELECT, and how its rows become what the queryset would return."""

    def __init__(self, queryset: QuerySet, names: list[str], offset: str | None):
        super().__init__(queryset.query.get_compiler(using=queryset.db), names, offset)
        klass_info, select = self.compiler.klass_info, self.compiler.select
        self.converters = self.compiler.get_converters([column[0] for column in select[:self.compiler.col_count]])
        if queryset._iterable_class is ValuesListIterable:
            self.model = None  # rows are tuples
            return
        if queryset._iterable_class is not ModelIterable:
            raise ValueError("A prepared query returns model instances or values_list() tuples.")
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.model_columns = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_columns]]
        self.instance = _instance_builder(self.model, self.init_list, self.db)
        self.related_populators = get_related_populators(klass_info, select, self.db)
        self.annotations = list(self.compiler.annotation_col_map.items())

    def run(self, org_id: int | None, values: dict, planned_once: bool) -> list:
        params = self.params(org_id, values)
        with _planned_once_cursor(self.db) if planned_once else connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.model is None:
            return [tuple(row) for row in rows]
        instances = []
        for row in rows:
            instance = self.instance(row[self.model_columns])
            for populator in self.related_populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


def _instance_builder(model, attnames: list[str], db: str) -> Callable[[tuple], Model]:
    """What turns a row's values for `attnames` into an instance, as `model.from_db` would.

    Model.__init__ sets each field through setattr and sends two signals: ~5 us a row, half a page of 100
    users' conversion (issue 14). Where that is all it would do (no receivers of pre_init or post_init, no
    __init__ or from_db of the model's own, fields stored plainly in the instance's __dict__), the instance
    gets its __dict__ in one assignment. Otherwise from_db builds it."""
    plainly_stored = all(type(getattr(model, attname, None)) in _PLAIN_FIELD_ATTRIBUTES for attname in attnames)
    if (not plainly_stored or model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__
            or pre_init.has_listeners(model) or post_init.has_listeners(model)):
        return lambda values: model.from_db(db, attnames, values)
    attnames = tuple(attnames)

    def instance(values: tuple) -> Model:
        row = model.__new__(model)
        state = ModelState()
        state.adding, state.db = False, db
        row.__dict__ = dict(zip(attnames, values), _state=state)
        return row

    return instance


# A field's class attribute that keeps the value in the instance's __dict__ and does nothing else when it is
# first set: a plain field's, and a foreign key id's (which only drops a cached related row, and a new instance
# has none). A subclass (a file field's, say) may do more, so the type must match exactly.
_PLAIN_FIELD_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _planned_once_cursor(alias: str):
    """A cursor whose statements PostgreSQL parses once per connection, and plans once where a generic plan
    serves (config.postgresql). A plain cursor where statements are not prepared (SQLite; PgBouncer in
    transaction mode) and while queries are logged (DEBUG, tests counting queries): the log then shows
    the SQL with its values, where a prepared statement's would be None."""
    connection = connections[alias]
    if not getattr(connection, "prepares_statements", False) or connection.queries_logged:
        return connection.cursor()
    return connection.planned_once_cursor()


class PreparedQuery:
    """`build(**values)` returns a queryset whose only variable parts are `values`, each a plain parameter
    wherever it appears (not None, not changed by its lookup as icontains changes it), or, for the value
    named `offset`, the start of its one slice; `PreparedQuery(build).all(**values)` is what
    `list(build(**values))` would be, without compiling it again: model instances, or tuples for a
    values_list() queryset. `delete(**values)` deletes those rows as `build(**values).delete()` would."""

    def __init__(self, build: Callable[..., QuerySet], *, offset: str | None = None, planned_once: bool = True):
        self.build = build
        self.offset = offset
        # False for a query that needs its values to be planned (a LIKE pattern serves an index only as a constant).
        self.planned_once = planned_once
        # By the statement ("select", "delete", "update") and the kind of scope: one org, all orgs or none.
        self._compiled: dict[tuple[str, object], _Statement] = {}

    def _statement(self, statement: str, values: dict, compile: Callable[[QuerySet, list[str]], _Statement]
                   ) -> tuple[_Statement, int | None]:
        """The `statement` compiled for the current kind of scope (by `compile`, the first time), and the org
        id its run takes."""
        scope = current_scope()
        kind = "org" if isinstance(scope, int) else scope
        compiled = self._compiled.get((statement, kind))
        if compiled is None:
            placeholders = {name: _OFFSET_SENTINEL if name == self.offset else _placeholder(name) for name in values}
            with placeholder_scope(_ORG_PLACEHOLDER) if kind == "org" else nullcontext():
                compiled = self._compiled[statement, kind] = compile(self._queryset(placeholders), list(values))
        return compiled, scope if kind == "org" else None

    def _queryset(self, placeholders: dict) -> QuerySet:
        return self.build(**placeholders)

    def all(self, **values) -> list:
        compiled, org_id = self._statement("select", values, lambda rows, names: _Compiled(rows, names, self.offset))
        return compiled.run(org_id, values, self.planned_once)

    def first(self, **values):
        rows = self.all(**values)
        return rows[0] if rows else None

    def delete(self, **values) -> int:
        """DELETE the rows in one statement; how many went. Only where that is all QuerySet.delete() would do
        (Django's fast delete: nothing cascades from the model and no signal watches its deletes)."""
        compiled, org_id = self._statement("delete", values, _compiled_delete)
        return compiled.execute(org_id, values)


def _compiled_delete(rows: QuerySet, names: list[str]) -> _Statement:
    if rows.query.is_sliced or not Collector(using=rows.db, origin=rows).can_fast_delete(rows):
        raise ValueError(f"{rows.model._meta.label} rows are deleted one by one (cascades, signals): not prepared.")
    query = rows.query.chain(DeleteQuery)  # as QuerySet._raw_delete runs it
    return _Statement(query.get_compiler(using=rows.db), names)


class PreparedUpdate(PreparedQuery):
    """`PreparedUpdate(build, fields=[...], expressions={...}).update(**values)` is
    `build(**values).update(**{field: values[field]}, **expressions)` compiled once: `fields` take each
    run's values, prepared as update() prepares them, `expressions` are fixed (F("version") + 1); the other
    values are build's, as for a PreparedQuery."""

    def __init__(self, build: Callable[..., QuerySet], *, fields: Iterable[str], expressions: dict | None = None):
        super().__init__(build)
        self.fields, self.expressions = list(fields), expressions or {}

    def _queryset(self, placeholders: dict) -> QuerySet:
        return self.build(**{name: value for name, value in placeholders.items() if name not in self.fields})

    def update(self, **values) -> int:
        """How many rows changed."""
        compiled, org_id = self._statement("update", values, self._compiled_update)
        connection = connections[compiled.db]
        model_fields = compiled.model_fields
        return compiled.execute(org_id, {name: model_fields[name].get_db_prep_save(value, connection)
                                         if name in model_fields else value for name, value in values.items()})

    def _compiled_update(self, rows: QuerySet, names: list[str]) -> _Statement:
        query = rows.query.chain(UpdateQuery)
        # Value(placeholder): the SQL takes a parameter there, which each run fills with the field's value.
        query.add_update_values({**{name: Value(_placeholder(name)) for name in self.fields}, **self.expressions})
        if query.related_updates:
            raise ValueError("A prepared update changes one table.")
        compiled = _Statement(query.get_compiler(using=rows.db), names)
        compiled.model_fields = {name: rows.model._meta.get_field(name) for name in self.fields}
        return compiled


class IsAnyOf(Lookup):
    """`column = ANY(values)`: a list of values as one array parameter, so one statement for any number of
    them, which PostgreSQL prepares and plans once (an IN list is another statement for each length).
    SQLite (the demo's) reads the list as JSON."""

    lookup_name = "is_any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::{self.lhs.output_field.cast_db_type(connection)}[])", (*lhs_params, *rhs_params)

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", (*lhs_params, *rhs_params)


# SQLite takes no list as a parameter: IsAnyOf's list goes as JSON text (Django passes no other lists).
sqlite3.register_adapter(list, json.dumps)


def _insertable_fields(model) -> list:
    return [field for field in model._meta.local_concrete_fields if not field.primary_key]


def _insert_params(fields: list, row, connection) -> list:
    """`row`'s values for `fields`, prepared as save() prepares them (pre_save: generated public ids,
    timestamps)."""
    return [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]


class PreparedInsert:
    """The INSERT of one `model` row, compiled once per database alias, then run with the row's values.

    Every SCIM request writes a provisioning-log row and every create a user; compiling a 13- or
    30-column INSERT took longer than PostgreSQL took to run it (issue 14). No model signals are sent, so
    it serves models that have no receivers. `returning_pk`: the INSERT returns the new pk (as save()
    does) and insert() sets it on the row."""

    def __init__(self, model, *, returning_pk: bool = True):
        self.model = model
        self.returning_pk = returning_pk
        self.fields = _insertable_fields(model)
        self._sql: dict[str, str] = {}  # by database alias

    def statement(self, row, using: str = "default") -> tuple[str, list]:
        """The SQL and parameters that INSERT `row`."""
        if using not in self._sql:
            query = InsertQuery(self.model)
            query.insert_values(self.fields, [row])
            compiler = query.get_compiler(using=using)
            if self.returning_pk:
                compiler.returning_fields = [self.model._meta.pk]
            ((self._sql[using], _params),) = compiler.as_sql()
        return self._sql[using], _insert_params(self.fields, row, connections[using])

    def insert(self, row, using: str = "default") -> None:
        """INSERT `row`, leaving it as save(force_insert=True) would: pk set, no longer adding. Database
        errors (a unique constraint's IntegrityError) reach the caller as Django's."""
        sql, params = self.statement(row, using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            if self.returning_pk:
                row.pk = cursor.fetchone()[0]
        row._state.adding, row._state.db = False, using


def insert_columns_and_values(row, connection, *, computed: dict[str, str]) -> tuple[str, list[str], list]:
    """For an INSERT of `row` that another statement feeds (a WITH clause's output): its quoted column
    list, one SQL item per column (a placeholder, or the expression `computed` gives for that attname)
    and the parameters, prepared as save() prepares them."""
    quote = connection.ops.quote_name
    fields = _insertable_fields(row)
    params = _insert_params([field for field in fields if field.attname not in computed], row, connection)
    values = [computed.get(field.attname, "%s") for field in fields]
    return ", ".join(quote(field.column) for field in fields), values, params
