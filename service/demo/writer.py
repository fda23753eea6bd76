"""Bulk insertion of generated rows into the seed's one transaction, no ORM round trips.

SQLite gets the driver's executemany of INSERTs of many rows each; PostgreSQL gets COPY,
which is several times faster than INSERT. Rows already hold the stored formats (UTC text
times, hex ids). The presence changes that go with journal events are derived here, where
the events are written (`derived_presence`).
"""

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from service.demo.rows import (
    COLUMNS,
    GROUPS,
    KEYS,
    PRESENCE_AFTER,
    ROW_COLUMNS,
    Flat,
    Value,
    derived_presence,
    table_of,
)
from service.models import metadata

# The seeded tables, parents before children, so that every foreign key finds its row.
ORDER = tuple(COLUMNS)

# Rows per SQLite INSERT. One statement of many rows costs about a third less per row than
# a statement per row (measured here: 2.4 against 1.6 µs per `call_event` row).
ROWS_PER_INSERT = 64

# SQLite reads the database through a memory map during a load instead of a read() per page
# that fell out of its small cache: a tenth off the load. Only address space, and the
# operating system's page cache it shares.
MMAP_BYTES = 1 << 40
SORTING_THREADS = 2

# What SQLite's INSERTs bind for NULL: the sqlite3 module sends every None (and every bool)
# through its adapter lookup, which cost a third of a journal row's insert here. An empty
# text, which the generator never makes, binds without one, and `nullif` in the statement
# turns it back into NULL.
NULL = ""
NULLABLE = {
    key: [n for n, name in enumerate(columns) if metadata.tables[table_of(key)].c[name].nullable]
    for key, columns in ROW_COLUMNS.items()
}
# And for the same reason booleans as 0 and 1, as SQLite stores them anyway.
BOOLEAN = {
    key: [
        n
        for n, name in enumerate(columns)
        if isinstance(metadata.tables[table_of(key)].c[name].type, sa.Boolean)
    ]
    for key, columns in ROW_COLUMNS.items()
}


def driver(connection: Connection) -> Any:
    """The driver's own connection under `connection` (psycopg's or sqlite3's), for what
    SQLAlchemy does not offer: COPY, and executemany of many-row INSERTs. Untyped: either."""
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection has been closed")
    return raw


def write(connection: Connection, rows: dict[str, Flat]) -> None:
    """Insert every table's flat rows, with the presence changes that follow from the
    journal events among them, in the seed's transaction (`seed.run`; on PostgreSQL it
    reads times as UTC).

    The rows are on SQLite as the generator makes them and `for_sqlite` leaves them, and on
    PostgreSQL whole rows by table (`full_rows`).
    """
    if connection.dialect.name == "postgresql":
        cursor = driver(connection).cursor()
        rows = with_derived_presence(rows)
        for table in ORDER:
            if rows.get(table):
                columns = column_list(table)
                values = iter(rows[table])
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    # psycopg's C row formatting: 3x ours
                    for row in zip(*[values] * len(COLUMNS[table]), strict=True):
                        copy.write_row(row)
        return
    cursor = driver(connection).cursor()
    (last_event,) = cursor.execute("SELECT coalesce(max(rowid), 0) FROM call_event").fetchone()
    for table in ORDER:
        for key in KEYS[table]:
            if rows.get(key):
                insert(cursor.executemany, key, rows[key])
    cursor.execute(PRESENCE_FROM_EVENTS, (last_event,))
    cursor.close()


def with_derived_presence(rows: dict[str, Flat]) -> dict[str, Flat]:
    """The flat rows with the presence changes that follow from their journal events."""
    derived = derived_presence(rows.get("call_event", []))
    return rows | {"presence_event": rows.get("presence_event", []) + derived}


def _presence_from_events() -> str:
    """SQLite's `derived_presence` of the journal rows after a rowid: the same rows."""
    # presence_id: the 14th hex digit with its top bit flipped
    flipped = "substr('89abcdef01234567', instr('0123456789abcdef', substr(id, 14, 1)), 1)"
    cases = " ".join(
        f"WHEN '{event}' THEN '{presence}'" for event, presence in PRESENCE_AFTER.items()
    )
    types = ", ".join(f"'{event}'" for event in PRESENCE_AFTER)
    return (
        "INSERT INTO presence_event (id, adviser_id, presence, reason, at) "
        f"SELECT substr(id, 1, 13) || {flipped} || substr(id, 15), adviser_id, "
        f"CASE type {cases} END, NULL, at "
        f"FROM call_event WHERE rowid > ? AND type IN ({types})"
    )


PRESENCE_FROM_EVENTS = _presence_from_events()


def for_sqlite(rows: dict[str, Flat]) -> dict[str, Flat]:
    """The generator's flat rows with each None of a nullable column as `NULL`, and
    booleans as 0 and 1, in place."""
    for key, values in rows.items():
        width = len(ROW_COLUMNS[key])
        for column in BOOLEAN[key]:
            values[column::width] = [v if v is None else int(v) for v in values[column::width]]
        for column in NULLABLE[key]:
            values[column::width] = [NULL if v is None else v for v in values[column::width]]
    return rows


def insert(
    executemany: Callable[[str, Sequence[Sequence[Value]]], object], key: str, values: Flat
) -> None:
    """Insert the flat `values` of rows of a table or group (`ROW_COLUMNS`),
    `ROWS_PER_INSERT` rows a statement."""
    width = len(ROW_COLUMNS[key])
    step = width * ROWS_PER_INSERT
    whole = len(values) - len(values) % step
    if whole:
        statement = insert_statement(key, ROWS_PER_INSERT)
        executemany(statement, [values[at : at + step] for at in range(0, whole, step)])
    if whole < len(values):  # one statement per remaining row, not a statement per count
        rest = [values[at : at + width] for at in range(whole, len(values), width)]
        executemany(insert_statement(key, 1), rest)


def insert_statement(key: str, rows: int) -> str:
    """The SQLite INSERT of `rows` generated rows of a table or group (`for_sqlite`): a
    group's constants are literals."""
    table = table_of(key)
    constants = GROUPS.get(key, {})
    nullable = {ROW_COLUMNS[key][n] for n in NULLABLE[key]}
    marks = [
        _literal(constants[name])
        if name in constants
        else f"nullif(?, '{NULL}')"
        if name in nullable
        else "?"
        for name in COLUMNS[table]
    ]
    row = f"({', '.join(marks)})"
    return f"INSERT INTO {table} ({column_list(table)}) VALUES {', '.join([row] * rows)}"


def column_list(table: str) -> str:
    """The table's columns for a statement, quoted: `case_referral` has a column `to`."""
    return ", ".join(f'"{name}"' for name in COLUMNS[table])


def _literal(value: object) -> str:
    """A constant of `GROUPS` as SQLite's literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def copy_tables(connection: Connection, path: str, tables: tuple[str, ...]) -> None:
    """Copy whole tables from the SQLite file at `path` into the same, empty, tables.

    SQLite copies the tables and their indexes page by page when both sides have the same
    schema, the target is empty and foreign keys are off: much cheaper than INSERTs. The
    file stays attached: SQLite detaches no database the open transaction has read, and the
    seed's connection is closed after its commit (`seed._sqlite_alone`).
    """
    alias = f"part_{Path(path).stem}"
    connection.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (path,))
    for table in tables:
        connection.exec_driver_sql(f"INSERT INTO main.{table} SELECT * FROM {alias}.{table}")


def finish_advisers(connection: Connection, rows: list[tuple[Value, ...]]) -> None:
    """Bring the advisers' own rows to where the last generated day left them."""
    columns = COLUMNS["adviser"]
    changing = ("presence_since", "available_since", "last_call_ended_at", "updated_at")
    positions, at_id = [columns.index(name) for name in changing], columns.index("id")
    postgresql = connection.dialect.name == "postgresql"
    mark = "%s" if postgresql else "?"
    assignments = ", ".join(f"{name} = {mark}" for name in changing)
    updates = [(*(row[p] for p in positions), row[at_id]) for row in rows]
    connection.exec_driver_sql(f"UPDATE adviser SET {assignments} WHERE id = {mark}", updates)


def part_schema(connection: Connection, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """The SQLite CREATE statements of `tables` and their indexes, tables first."""
    marks = ", ".join("?" * len(tables))
    return list(
        connection.exec_driver_sql(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name IN "
            f"({marks}) AND sql IS NOT NULL ORDER BY type = 'index', name",
            tables,
        ).all()
    )


class PartFile:
    """A private SQLite file that the generating process fills with some of the tables.

    It has the target's schema, so `copy_tables` can move it over whole. Nothing else
    opens it, so it needs neither a journal nor syncs; indexes are built once at the end.
    """

    def __init__(self, path: str, schema: list[tuple[str, str]]) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=OFF")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute("PRAGMA ignore_check_constraints=ON")
        self.connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        for kind, sql in schema:
            if kind == "table":
                self.connection.execute(sql)
        self.indexes = [sql for kind, sql in schema if kind == "index"]
        self.tables = {
            name
            for (name,) in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        self.connection.execute("BEGIN")

    def take(self, rows: dict[str, Flat]) -> None:
        """Write this file's tables out of the flat `rows` and remove them from it."""
        for table in self.tables:
            for key in KEYS[table]:
                if rows.get(key):
                    insert(self.connection.executemany, key, rows.pop(key))

    def finish(self) -> None:
        self.connection.execute("COMMIT")
        for sql in self.indexes:
            self.connection.execute(sql)
        self.connection.close()
