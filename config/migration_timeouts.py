"""Migrations run without the web requests' statement and lock timeouts (config.settings).

A migration that rewrites or indexes a table of a million rows takes longer than the 10 s a request
may, and waits for the locks it needs behind running requests; killed half-way it would leave a
deploy stuck. pre_migrate lifts both timeouts on the migrating connection, post_migrate restores the
connection's own values (RESET returns to what the connection started with).
"""

from django.db import connections


def lift_timeouts(*, using: str = "default", **kwargs) -> None:
    _set_timeouts(using, "SET statement_timeout = 0", "SET lock_timeout = 0")


def restore_timeouts(*, using: str = "default", **kwargs) -> None:
    _set_timeouts(using, "RESET statement_timeout", "RESET lock_timeout")


def _set_timeouts(using: str, *statements: str) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
