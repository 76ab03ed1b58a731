"""One harness for DESIGN.md invariants 1, 8 and 9: every public service and selector is bound to the
org it is given, and under another org's scope or under all_orgs_scope() it neither returns nor
touches a row of any other org.

Each app's tests/<app>/test_org_binding.py lists its modules and, for every public function, a call
that exercises it for org A (`CALLS`), and takes its two tests from `binding_tests` (it needs a `world`
fixture: {"a": org A, "b": org B, ...}):
- every public function of the modules is @org_bound, or named in CROSS_ORG with the reason;
- every call, under org B's scope, refuses (TenantScopeError) before touching anything; under
  all_orgs_scope() and with no scope, it returns only org A's rows and leaves org B's rows, B's
  members' accounts and the OAuth tokens of B's applications exactly as they were.
Each scenario runs in a savepoint that is rolled back, so every call starts from the same world.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable
from contextlib import nullcontext

import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models.query import QuerySet

from tenants.models import Organization, TenantModel
from tenants.scoping import TenantScopeError, all_orgs_scope, org_scope


def public_functions(module) -> dict[str, Callable]:
    return {
        name: function for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module.__name__
    }


def unbound_functions(modules: Iterable, cross_org: dict[str, str]) -> list[str]:
    """Public functions that are neither @org_bound nor declared cross-org (with a reason)."""
    missing = []
    for module in modules:
        for name, function in public_functions(module).items():
            qualified = f"{module.__name__}.{name}"
            if not getattr(function, "org_bound", False) and qualified not in cross_org:
                missing.append(qualified)
    return missing


def uncovered_functions(modules: Iterable, cross_org: dict[str, str], calls: dict) -> list[str]:
    """Bound public functions that have no entry in CALLS (so a new one cannot skip the check)."""
    return [
        f"{module.__name__}.{name}" for module in modules for name in public_functions(module)
        if f"{module.__name__}.{name}" not in cross_org and f"{module.__name__}.{name}" not in calls
    ]


def tenant_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if issubclass(model, TenantModel)]


def _rows(queryset) -> list[tuple]:
    return [tuple(row) for row in queryset.order_by("pk").values_list()]


def snapshot(org: Organization) -> dict[str, list]:
    """Every row an org owns, its members' accounts, and the OAuth tokens its applications issued."""
    from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

    from accounts.models import User
    from oauthapps.models import Application
    from tenants.models import Membership

    with all_orgs_scope():
        state = {model._meta.label: _rows(model.objects.filter(org=org)) for model in tenant_models()}
        member_ids = Membership.objects.filter(org=org).values("user_id")
        state["accounts"] = _rows(User.objects.filter(pk__in=member_ids))
        application_ids = Application.objects.filter(org=org).values("pk")
        for token_model in (get_access_token_model(), get_refresh_token_model(), get_grant_model()):
            state[token_model._meta.label] = _rows(token_model.objects.filter(application__in=application_ids))
    state["organization"] = _rows(Organization.objects.filter(pk=org.pk))
    return state


def _instances(value, seen=None) -> Iterable[models.Model]:
    """Every model instance inside a result: querysets, lists, tuples, dicts, dataclasses."""
    if isinstance(value, models.Model):
        yield value
    elif isinstance(value, QuerySet):
        yield from value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _instances(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _instances(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _instances(getattr(value, item.name))
    elif inspect.isgenerator(value):
        for item in value:
            yield from _instances(item)


def assert_only_rows_of(org: Organization, result) -> None:
    for instance in _instances(result):
        if isinstance(instance, Organization):
            assert instance.pk == org.pk, f"returned another organization: {instance}"
        org_id = getattr(instance, "org_id", None)
        if org_id is not None:
            assert org_id == org.pk, f"returned {instance._meta.label} {instance.pk} of another org"


class _RollBack(Exception):
    pass


def _in_rolled_back_savepoint(run):
    outcome = {}
    try:
        with transaction.atomic():
            outcome["value"] = run()
            raise _RollBack
    except _RollBack:
        pass
    return outcome["value"]


def check_call_stays_in_its_org(call: Callable[[], object], org_a: Organization, org_b: Organization) -> None:
    """`call` acts for org A. Under B's scope it must refuse; elsewhere it must see and change only A."""

    def under_b():
        before = snapshot(org_b), snapshot(org_a)
        with org_scope(org_b), pytest.raises(TenantScopeError):
            _consume(call())
        assert (snapshot(org_b), snapshot(org_a)) == before, "a refused call changed data"

    _in_rolled_back_savepoint(under_b)
    for scope in (all_orgs_scope, nullcontext):
        def run(scope=scope):
            before = snapshot(org_b)
            with scope():
                result = call()
                assert_only_rows_of(org_a, result)
            assert snapshot(org_b) == before, f"the call changed another org's rows (scope: {scope.__name__})"

        _in_rolled_back_savepoint(run)


def _consume(result):
    if inspect.isgenerator(result):
        return list(result)
    if isinstance(result, QuerySet):
        return list(result)
    return result


def binding_tests(modules, cross_org: dict[str, str], calls: dict):
    """The two tests every app's test_org_binding.py runs, over its own modules and calls."""

    def test_every_public_function_is_bound_to_its_org():
        assert unbound_functions(modules, cross_org) == []
        assert uncovered_functions(modules, cross_org, calls) == []

    @pytest.mark.parametrize("name", sorted(calls))
    def test_call_reaches_no_other_org(world, name):
        check_call_stays_in_its_org(lambda: calls[name](world), world["a"], world["b"])

    return test_every_public_function_is_bound_to_its_org, test_call_reaches_no_other_org
