"""Tenant scoping: the one mechanism through which tenant-owned rows are read (DESIGN.md invariant 1).

Every tenant-owned model uses TenantManager as its default manager. Its querysets are built only
inside `org_scope(org)` (adds `org_id = <org>` to the SQL) or `all_orgs_scope()` (staff admin and
cross-org maintenance jobs, explicitly). Anywhere else building a queryset raises TenantScopeError,
so a view, task or command that forgot to scope fails loudly instead of leaking rows.

Saving and deleting a loaded instance go through Django's base manager and need no scope.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import Organization


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried outside an org scope."""


class _AllOrgs:
    def __repr__(self):
        return "ALL_ORGS"


ALL_ORGS = _AllOrgs()

# None: no scope. An org id (int): that org only. ALL_ORGS: every org, asked for explicitly.
_current_scope: ContextVar[int | _AllOrgs | None] = ContextVar("tenant_scope", default=None)


@contextmanager
def org_scope(org: Organization):
    if org is None or org.pk is None:
        raise TenantScopeError("org_scope needs a saved Organization.")
    token = _current_scope.set(org.pk)
    try:
        yield org
    finally:
        _current_scope.reset(token)


@contextmanager
def all_orgs_scope():
    """Every org's rows: for the staff admin and jobs that fan out over orgs. Never for org console
    or SCIM requests."""
    token = _current_scope.set(ALL_ORGS)
    try:
        yield
    finally:
        _current_scope.reset(token)


def current_org_id() -> int:
    scope = _current_scope.get()
    if not isinstance(scope, int):
        raise TenantScopeError("No single org is in scope.")
    return scope


class TenantManager(models.Manager):
    def get_queryset(self):
        scope = _current_scope.get()
        if scope is None:
            raise TenantScopeError(
                f"{self.model._meta.label} was queried outside an org scope; "
                "wrap the work in tenants.scoping.org_scope(org)."
            )
        queryset = super().get_queryset()
        if scope is ALL_ORGS:
            return queryset
        return queryset.filter(org_id=scope)

    def unscoped_for_credential_lookup(self):
        """Rows of every org, for the one place that resolves a credential (token, client id) to
        its org, before any org is known. Callers must enter org_scope right after."""
        return super().get_queryset()
