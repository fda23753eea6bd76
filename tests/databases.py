"""Throwaway databases for tests: a temporary SQLite file or a fresh PostgreSQL database."""

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def throwaway_database(base_url: str | None, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database, dropped afterwards.

    On PostgreSQL a new database is created beside the one `base_url` names, so that test
    runs never touch that database's contents and can run side by side.
    """
    if base_url is None or make_url(base_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
        return
    base = make_url(base_url)
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
