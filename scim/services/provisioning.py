"""The provisioning log: one row per SCIM request, as the org's admins see it (never a secret)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction

from tenants.models import Organization
from tenants.prepared_queries import PreparedInsert
from tenants.scoping import all_orgs_scope, org_bound

from ..models import ProvisioningEvent

# A key or a PatchOp path naming any of these is a secret, in any case and under any schema URN
# ("PASSWORD", "urn:ietf:params:scim:schemas:core:2.0:User:password", "client_secret", "accessToken").
SECRET_WORDS = ("password", "secret", "token")
REMOVED = "[removed]"


def _names_secret(name: Any) -> bool:
    return isinstance(name, str) and any(word in name.lower() for word in SECRET_WORDS)


def _without_query_secrets(path: Any) -> Any:
    """A path whose query string mentions a secret (a filter on password, a Bulk path with
    ?password=) keeps only its path part."""
    if isinstance(path, str) and "?" in path and _names_secret(path.partition("?")[2]):
        return path.partition("?")[0] + "?" + REMOVED
    return path


def _without_secrets(value: Any) -> Any:
    """`value` (a parsed SCIM body: a resource, a PatchOp, a Bulk request) with every secret replaced.

    A key naming a secret loses its value wherever it is; an object whose "path" names a secret (a
    PatchOp operation) loses its "value"; "path" strings lose a query string naming one. A path-less
    operation's value object and Bulk operations' data are objects like any other here."""
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    if not isinstance(value, dict):
        return value
    secret_path = _names_secret(value.get("path"))
    cleaned = {}
    for key, item in value.items():
        if _names_secret(key) or (secret_path and isinstance(key, str) and key.lower() == "value"):
            cleaned[key] = REMOVED
        elif isinstance(key, str) and key.lower() == "path":
            cleaned[key] = _without_query_secrets(item)
        else:
            cleaned[key] = _without_secrets(item)
    return cleaned


def _without_password_mention(detail: str) -> str:
    # An error detail may quote the value it refused: never keep one that could be a password.
    return REMOVED if "password" in (detail or "").lower() else (detail or "")


@org_bound
def provisioning_event_record(*, org: Organization, method: str, path: str, credential_name: str, status: int,
                              scim_type: str = "", detail: str = "", idp: str = "", duration_ms: int = 0,
                              user_public_id: str = "", group_public_id: str = "", request_body=None,
                              wait_for_flush: bool = True) -> ProvisioningEvent:
    """One INSERT. Secrets are removed from `request_body` and the path's query string here, so no
    caller can store one. No actor: the row itself names the credential, and the log is not audited
    (it is the record).

    Inside a transaction (a successful write's) the row commits with it, and a failed INSERT leaves that
    transaction unharmed. Outside one, `wait_for_flush=False` (a read's row): the INSERT's own transaction
    commits without waiting for the WAL to reach the disk. Either way, on PostgreSQL, the row has no pk
    here (one round trip, no RETURNING id)."""
    event = ProvisioningEvent(
        org=org, method=method, path=_without_query_secrets(path)[:500], credential_name=credential_name,
        status=status, scim_type=scim_type, detail=_without_password_mention(detail)[:500], idp=idp,
        duration_ms=duration_ms, user_public_id=user_public_id,
        group_public_id=group_public_id, request_body=_without_secrets(request_body),
    )
    if connection.vendor != "postgresql":  # the demo's SQLite
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            event.save(force_insert=True)
    elif connection.in_atomic_block:
        _insert_in_a_savepoint(event)
    elif wait_for_flush:
        event.save(force_insert=True)
    else:
        _insert_without_waiting_for_flush(event)
    return event


# Every SCIM request writes a row: its INSERT is compiled once per process.
_LOG_ROW_INSERT = PreparedInsert(ProvisioningEvent, returning_pk=False)


def _insert_statement(event: ProvisioningEvent) -> tuple[str, list]:
    """The INSERT Django would send for `event`."""
    return _LOG_ROW_INSERT.statement(event, connection.alias)


def _insert_without_waiting_for_flush(event: ProvisioningEvent) -> None:
    """A read's row: one statement whose RETURNING sets synchronous_commit off for its own transaction,
    evaluated before that transaction commits, so the commit does not wait for the WAL flush (issue 14:
    1.2 ms of a 5 ms read under load), in one round trip instead of BEGIN, SET LOCAL, INSERT and COMMIT.
    Only a PostgreSQL crash in the next ~0.6 s (3 x wal_writer_delay) can lose the row."""
    sql, params = _insert_statement(event)
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING set_config('synchronous_commit', 'off', true)", params)


def _insert_in_a_savepoint(event: ProvisioningEvent) -> None:
    """A row inside the caller's transaction (a successful write's: it commits with the write) in a
    savepoint of its own, so a failed INSERT leaves that transaction as it was and the write still
    commits. SAVEPOINT, INSERT and RELEASE go as one string in one round trip, not three (Django's
    cursors bind parameters client-side, which allows several statements)."""
    sql, params = _insert_statement(event)
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"SAVEPOINT {_SAVEPOINT}; {sql}; RELEASE SAVEPOINT {_SAVEPOINT}", params)
        except DatabaseError:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")
            raise


_SAVEPOINT = "provisioning_event"


def provisioning_events_prune(*, before: datetime) -> int:
    """Delete every org's events created before `before`, in one statement (a retention job)."""
    with all_orgs_scope():
        deleted, _ = ProvisioningEvent.objects.filter(created__lt=before).delete()
    return deleted
