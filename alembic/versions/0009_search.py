"""Search: full-text indexes over call notes, case titles and summaries, and case notes.

PostgreSQL: a stored generated `search_vector` column (`to_tsvector('danish', …)`) on
`call`, `case_file` and `case_note`, each with a GIN index. Being generated from the row, it
is always what the row holds: a note retention erases leaves the index with the write.

SQLite: one FTS5 table, `search_fts`, contentless (the text stays in its own table only),
tokenized by unicode61 with `remove_diacritics 0` so that æ, ø and å stay letters of their
own (`får` is not `far`). `search_document` maps an FTS row to its record (`kind`,
`record_id`): the implicit rowids of the record tables are no stable key (VACUUM and a batch
migration's table rebuild renumber them). Triggers on the three tables keep both in step
on every insert, update and delete, retention's set-based erasures included.

A later migration that rebuilds one of these tables on SQLite (`batch_alter_table`) drops
its triggers with it and must create them again (`_create_triggers` here shows how);
tests/search/test_index.py fails while one is missing.

The index objects are outside the models' metadata, which has no way to say "this column
only on PostgreSQL" or "this virtual table only on SQLite": `service.search.index` names
them, and the migration check (tests/core/test_migrations.py) and Alembic's autogenerate
(alembic/env.py) leave them out of the comparison.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, kind, the indexed text of row {r}, the columns it is made of). The text must be
# written the same way in every trigger: FTS5 deletes a contentless row by its old text.
SOURCES = [
    ("call", "call", "{r}.notes", ("notes",)),
    ("case_file", "case", "{r}.title || ' ' || COALESCE({r}.summary, '')", ("title", "summary")),
    ("case_note", "case_note", "{r}.body", ("body",)),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _kind, text, _columns in SOURCES:
            row_text = text.format(r=table).replace(f"{table}.", "")
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                f"(to_tsvector('danish'::regconfig, COALESCE({row_text}, ''))) STORED"
            )
            op.execute(
                f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)"
            )
        return
    op.execute(
        "CREATE TABLE search_document ("
        "id INTEGER PRIMARY KEY, kind VARCHAR(9) NOT NULL, record_id CHAR(32) NOT NULL, "
        "CONSTRAINT uq_search_document_kind_record_id UNIQUE (kind, record_id))"
    )
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "body, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    for table, kind, text, _columns in SOURCES:
        row_text = text.format(r=table)
        op.execute(
            f"INSERT INTO search_document (kind, record_id) "
            f"SELECT '{kind}', id FROM {table} WHERE {row_text} IS NOT NULL"
        )
        op.execute(
            f"INSERT INTO search_fts (rowid, body) SELECT d.id, {row_text} "
            f"FROM search_document AS d JOIN {table} ON {table}.id = d.record_id "
            f"WHERE d.kind = '{kind}'"
        )
    for source in SOURCES:
        _create_triggers(*source)


def _create_triggers(table: str, kind: str, text: str, columns: tuple[str, ...]) -> None:
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
    op.execute(
        f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} "
        f"WHEN {new} IS NOT NULL BEGIN {index_new} END"
    )
    op.execute(
        f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"WHEN {old} IS NOT {new} BEGIN {forget_old} {index_new} END"
    )
    op.execute(
        f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} "
        f"WHEN {old} IS NOT NULL BEGIN {forget_old} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _kind, _text, _columns in SOURCES:
            op.execute(f"DROP INDEX ix_{table}_search_vector")
            op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        return
    for table, _kind, _text, _columns in SOURCES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER search_{table}_{event}")
    op.execute("DROP TABLE search_fts")
    op.execute("DROP TABLE search_document")
