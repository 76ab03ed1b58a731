"""Migrations run without the request timeouts, and the connection gets them back afterwards."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_migrate


def _show(setting: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_migrate_lifts_statement_and_lock_timeouts_while_it_runs_and_restores_them():
    before = (_show("statement_timeout"), _show("lock_timeout"))
    assert before != ("0", "0")  # settings give every connection both timeouts
    seen = []

    def record(**kwargs):  # connected after the hook, so it sees what migrations see
        seen.append((_show("statement_timeout"), _show("lock_timeout")))

    pre_migrate.connect(record, dispatch_uid="test_migration_timeouts")
    try:
        call_command("migrate", verbosity=0)
    finally:
        pre_migrate.disconnect(dispatch_uid="test_migration_timeouts")
    assert seen and set(seen) == {("0", "0")}
    assert (_show("statement_timeout"), _show("lock_timeout")) == before
