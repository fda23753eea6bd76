"""The full-text index as migration 0009 made it, and how each database is asked.

PostgreSQL: the `search_vector` column (a stored `to_tsvector('danish', …)`) of `call`,
`case_file` and `case_note`, GIN-indexed, ranked by `ts_rank`. SQLite: the contentless FTS5
table `search_fts`, its rows mapped to records by `search_document`, ranked by `bm25`.
Neither is in the models' metadata (a column on one database only, a virtual table on the
other): they are named here, so that the migration check leaves them out.
"""

from collections.abc import Collection

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


def sqlite_hits(query: TextQuery) -> sa.Select[tuple[str, object, float]]:
    """(kind, record_id, score) of every record the query matches, higher scores better."""
    score = -sa.func.bm25(sa.literal_column("search_fts"))
    return (
        sa.select(document.c.kind, document.c.record_id, score.label("score"))
        .select_from(fts)
        .join(document, document.c.id == fts.c.rowid)
        .where(sa.literal_column("search_fts").op("MATCH")(fts5_expression(query)))
    )


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
