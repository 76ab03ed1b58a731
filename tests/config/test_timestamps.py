"""timestamptz values are read by config.timestamps' loader (Django's cursors) or psycopg's C loader (prepared
cursors), and read exactly as Django's own loader reads them."""

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.postgres import types
from psycopg.pq import Format

from config.timestamps import IsoTzLoader

TIMESTAMPTZ = types["timestamptz"].oid


TEXTS = [
    "2026-11-24 16:45:17.123456+00", "2026-11-24 16:45:17.1+00", "2026-11-24 16:45:17+00",
    "2026-11-24 16:45:17.5+05:30", "0099-03-01 00:00:00+00", "1969-12-31 23:59:59.999999+00",
    "2026-03-29 01:30:00 Europe/Paris", "10000-01-01 00:00:00+00", "0044-03-15 12:00:00+00 BC", "infinity",
]


def read(loader, written: str):
    try:
        return loader.load(written.encode())
    except Exception as error:  # noqa: BLE001  (both must refuse alike)
        return type(error)


def djangos_loader():
    return type("DjangosLoader", (BaseTzLoader,), {"timezone": connection.timezone})(TIMESTAMPTZ)


@pytest.mark.parametrize("text", TEXTS)
def test_a_timestamptz_reads_as_djangos_loader_reads_it(db, text):
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert issubclass(loader, IsoTzLoader) and loader.timezone == connection.timezone
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [text])
        (written,) = cursor.fetchone()
    mine, theirs = read(loader(TIMESTAMPTZ), written), read(djangos_loader(), written)
    assert (mine, getattr(mine, "tzinfo", None)) == (theirs, getattr(theirs, "tzinfo", None))


@pytest.mark.parametrize("text", TEXTS)
def test_a_prepared_cursor_reads_a_timestamptz_in_c_as_djangos_loader_reads_it(db, text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [text])
        (written,) = cursor.fetchone()
    with connection.planned_once_cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert loader.__module__.startswith("psycopg_binary")  # the C one, not config.timestamps'
        mine, theirs = read(loader(TIMESTAMPTZ, cursor.cursor), written), read(djangos_loader(), written)
    assert (mine, getattr(mine, "tzinfo", None)) == (theirs, getattr(theirs, "tzinfo", None))
