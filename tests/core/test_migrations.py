"""The schema comes from migrations only: they must build exactly what the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service import migrations
from service.db import create_db_engine
from service.models import metadata
from service.search.index import in_models
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database

CODE_LIST_SIZES = {
    "line": 2,
    "caller_type": 10,
    "sector": 21,
    "issue_category": 13,
    "advice_type": 13,
}


def _schema_diff(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        # The search index (a generated column and GIN indexes on PostgreSQL, an FTS5 table on
        # SQLite) is made by migration 0009 alone, outside the models: in_models skips it.
        opts = {"compare_type": True, "include_name": in_models}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, metadata)


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _code_list_sizes(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(sa.text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
            for name in CODE_LIST_SIZES
        }


def test_upgrade_matches_models_and_round_trips(tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            migrations.upgrade("head", database_url=url)
            assert _schema_diff(engine) == []
            assert _code_list_sizes(engine) == CODE_LIST_SIZES
            assert {table.name for table in metadata.sorted_tables} <= _tables(engine)

            migrations.downgrade("base", database_url=url)
            assert _tables(engine) <= {"alembic_version"}

            migrations.upgrade("head", database_url=url)
            assert _schema_diff(engine) == []
            assert _code_list_sizes(engine) == CODE_LIST_SIZES
        finally:
            engine.dispose()


def test_readiness_reflects_migration_state(tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                assert migrations.current_revisions(connection) == set()
            migrations.upgrade("head", database_url=url)
            with engine.connect() as connection:
                assert migrations.current_revisions(connection) == migrations.head_revisions()
        finally:
            engine.dispose()
