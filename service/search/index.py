"""The full-text index as migration 0009 made it, and how each database is asked.

PostgreSQL: the `search_vector` column (a stored `to_tsvector('danish', …)`) of `call`,
`case_file` and `case_note`, GIN-indexed, ranked by `ts_rank`. SQLite: the contentless FTS5
table `search_fts`, its rows mapped to records by `search_document`, ranked by `bm25`.
Neither is in the models' metadata (a column on one database only, a virtual table on the
other): they are named here, so that the migration check leaves them out.
"""

from collections.abc import Callable, Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from service.search.query import TextQuery, fts5_expression, tsquery_prefix

VECTOR_COLUMN = "search_vector"
SOURCE_TABLES = ("call", "case_file", "case_note")
PG_INDEXES = frozenset(f"ix_{table}_{VECTOR_COLUMN}" for table in SOURCE_TABLES)
# The FTS5 table and the shadow tables SQLite keeps it in (a contentless table has no
# `_content`), and the map from its rows to the records.
SQLITE_TABLES = frozenset(
    {"search_document", "search_fts"}
    | {f"search_fts_{shadow}" for shadow in ("data", "idx", "docsize", "config")}
)
TRIGGERS = frozenset(
    f"search_{table}_{event}" for table in SOURCE_TABLES for event in ("insert", "update", "delete")
)


def in_models(name: str | None, type_: str, parent_names: Collection[str] | object) -> bool:
    """Alembic's `include_name` hook: False for the index's own objects, which the models do
    not describe (migration 0009 makes them), so that comparing models and schema skips
    them."""
    if type_ == "table":
        return name not in SQLITE_TABLES
    if type_ == "column":
        return name != VECTOR_COLUMN
    if type_ == "index":
        return name not in PG_INDEXES
    return True


# SQLite: the FTS5 table (its hidden column of its own name takes MATCH) and the map.
fts = sa.table("search_fts", sa.column("rowid", sa.Integer()), sa.column("search_fts"))
document = sa.table(
    "search_document",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("record_id", sa.Uuid()),
)
_DANISH: sa.ColumnElement[object] = sa.literal_column("'danish'::regconfig")
_SIMPLE: sa.ColumnElement[object] = sa.literal_column("'simple'::regconfig")


def sqlite_window(
    query: TextQuery, size: int, *, kept: sa.ColumnElement[bool] | None = None
) -> sa.Select[Any]:
    """(tie, score) of the newest `size` index rows the query matches, higher scores better;
    with `kept` (a condition on `search_document`), (tie, score, kind, record_id) of the
    newest `size` whose records pass it. `tie` is the FTS row, which breaks equal scores.

    Newest is the text written last (a row is added as its text is written), which FTS5
    walks from its end without sorting: the walk stops at `size`, and bm25 is computed for
    those rows only.
    """
    score = -sa.func.bm25(sa.literal_column("search_fts"))
    match = sa.literal_column("search_fts").op("MATCH")(fts5_expression(query))
    columns: list[Any] = [fts.c.rowid.label("tie"), score.label("score")]
    select = sa.select(*columns).where(match)
    if kept is not None:
        select = (
            sa.select(*columns, document.c.kind, document.c.record_id)
            .join_from(fts, document, document.c.id == fts.c.rowid)
            .where(match, kept)
        )
    return select.order_by(fts.c.rowid.desc()).limit(size)


def tsquery(query: TextQuery) -> sa.ColumnElement[object]:
    """The query as a PostgreSQL tsquery of the `danish` configuration, built from its terms
    with the functions that take any text (`plainto_tsquery`, `phraseto_tsquery`); a prefix,
    of letters and digits only, is a quoted lexeme with `:*`."""
    parts: list[sa.ColumnElement[object]] = []
    if query.words:
        parts.append(sa.func.plainto_tsquery(_DANISH, " ".join(query.words)))
    # A prefix both as typed and stemmed: the index holds stems (`stress` is `stres`), and a
    # word's stem may be shorter than the prefix typed.
    parts += [
        sa.func.to_tsquery(_SIMPLE, tsquery_prefix(p)).op("||")(
            sa.func.to_tsquery(_DANISH, tsquery_prefix(p))
        )
        for p in query.prefixes
    ]
    parts += [sa.func.phraseto_tsquery(_DANISH, " ".join(p)) for p in query.phrases]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&")(part)
    return sa.type_coerce(combined, postgresql.TSQUERY)


def vector(table: str) -> sa.ColumnElement[object]:
    """A source table's `search_vector` (PostgreSQL)."""
    return sa.literal_column(f"{table}.{VECTOR_COLUMN}", postgresql.TSVECTOR)


# What migration 0009 indexes, row by row: (table, kind, the text of row {r}, its columns).
# The text is written alike in every trigger: FTS5 deletes a contentless row by its old text.
SOURCES = (
    ("call", "call", "{r}.notes", ("notes",)),
    ("case_file", "case", "{r}.title || ' ' || COALESCE({r}.summary, '')", ("title", "summary")),
    ("case_note", "case_note", "{r}.body", ("body",)),
)

# The time of a record of each table: what the search's window counts newest by.
TIMES = {"call": "received_at", "case_file": "created_at", "case_note": "created_at"}


def sqlite_triggers() -> dict[str, str]:
    """The SQLite triggers that keep the index in step, by name, as migration 0009 makes
    them (tests/search/test_index.py holds the two to the same text)."""
    triggers = {}
    for table, kind, text, columns in SOURCES:
        new, old = text.format(r="new"), text.format(r="old")
        document = f"search_document WHERE kind = '{kind}' AND record_id"
        forget_old = (
            f"INSERT INTO search_fts (search_fts, rowid, body) "
            f"SELECT 'delete', id, {old} FROM {document} = old.id AND {old} IS NOT NULL; "
            f"DELETE FROM {document} = old.id;"
        )
        index_new = (
            f"INSERT INTO search_document (kind, record_id) SELECT '{kind}', new.id "
            f"WHERE {new} IS NOT NULL; "
            f"INSERT INTO search_fts (rowid, body) SELECT id, {new} FROM {document} = new.id;"
        )
        triggers[f"search_{table}_insert"] = (
            f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} "
            f"WHEN {new} IS NOT NULL BEGIN {index_new} END"
        )
        triggers[f"search_{table}_update"] = (
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} WHEN {old} IS NOT {new} BEGIN {forget_old} {index_new} END"
        )
        triggers[f"search_{table}_delete"] = (
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} "
            f"WHEN {old} IS NOT NULL BEGIN {forget_old} END"
        )
    return triggers


def suspended(connection: sa.Connection) -> Callable[[], None]:
    """Stop keeping the index in step, for a big load in one transaction; returns what
    builds it again from the tables, once, to be called when the rows are in.

    Row by row, the index costs the load more than building it once does: on SQLite the
    triggers (two inserts and a lookup per row), on PostgreSQL the GIN indexes' upkeep.
    The generated column on PostgreSQL stays (it is computed as the row is written).
    """
    if connection.dialect.name == "postgresql":
        for table in SOURCE_TABLES:
            connection.exec_driver_sql(f"DROP INDEX ix_{table}_{VECTOR_COLUMN}")

        def rebuild_postgresql() -> None:
            for table in SOURCE_TABLES:
                connection.exec_driver_sql(
                    f"CREATE INDEX ix_{table}_{VECTOR_COLUMN} ON {table} USING gin "
                    f"({VECTOR_COLUMN})"
                )

        return rebuild_postgresql
    for name in TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")

    def rebuild_sqlite() -> None:
        connection.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        connection.exec_driver_sql("DELETE FROM search_document")
        # The rows in the order of their records' times, all kinds together, as the
        # triggers would have added them: the search's window is the index's newest rows.
        documents = " UNION ALL ".join(
            f"SELECT '{kind}' AS kind, id, {TIMES[table]} AS at FROM {table} "
            f"WHERE {text.format(r=table)} IS NOT NULL"
            for table, kind, text, _columns in SOURCES
        )
        connection.exec_driver_sql(
            f"INSERT INTO search_document (kind, record_id) SELECT kind, id FROM ({documents}) "
            f"ORDER BY at, id"
        )
        for table, kind, text, _columns in SOURCES:
            row_text = text.format(r=table)
            connection.exec_driver_sql(
                f"INSERT INTO search_fts (rowid, body) SELECT d.id, {row_text} "
                f"FROM search_document AS d JOIN {table} ON {table}.id = d.record_id "
                f"WHERE d.kind = '{kind}'"
            )
        # One b-tree instead of the many segments a load leaves: fewer to read per query.
        connection.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        for sql in sqlite_triggers().values():
            connection.exec_driver_sql(sql)

    return rebuild_sqlite
