"""The database layer: SQLite settings, and timestamps that stay UTC and tz-aware."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from service.config import get_settings
from service.db import UTCDateTime, create_db_engine


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/nested/folder/x.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert (tmp_path / "nested" / "folder" / "x.db").exists()
    finally:
        engine.dispose()


@pytest.mark.parametrize(("setting", "pragma"), [(None, 1), ("NORMAL", 1), ("FULL", 2)])
def test_sqlite_waits_for_the_disk_as_configured(tmp_path, monkeypatch, setting, pragma):
    # NORMAL by default: in WAL a crash of the service loses nothing, and an fsync per
    # commit would cap the desk near 200 writes a second.
    if setting is not None:
        monkeypatch.setenv("HOTLINE_SQLITE_SYNCHRONOUS", setting)
    get_settings.cache_clear()
    engine = create_db_engine(f"sqlite:///{tmp_path}/x.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == pragma
    finally:
        engine.dispose()
        get_settings.cache_clear()


def test_sqlite_rolls_back_a_savepoint(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/x.db")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            savepoint = connection.begin_nested()
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")
            savepoint.rollback()
            assert connection.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
    finally:
        engine.dispose()


def test_timestamps_come_back_as_the_same_instant_in_utc(engine):
    table = sa.Table("_tz_probe", sa.MetaData(), sa.Column("at", UTCDateTime))
    copenhagen_summer = datetime(2025, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with engine.connect() as connection, connection.begin() as transaction:
        table.create(connection)
        connection.execute(table.insert().values(at=copenhagen_summer))
        stored = connection.execute(sa.select(table.c.at)).scalar_one()
        transaction.rollback()
    assert stored == copenhagen_summer
    assert stored.tzinfo == UTC


def test_a_naive_timestamp_is_never_stored(engine):
    table = sa.Table("_tz_probe_naive", sa.MetaData(), sa.Column("at", UTCDateTime))
    with engine.connect() as connection, connection.begin() as transaction:
        table.create(connection)
        with pytest.raises(sa.exc.StatementError, match="naive"):
            connection.execute(table.insert().values(at=datetime(2025, 7, 1, 12, 0)))
        transaction.rollback()
