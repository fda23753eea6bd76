"""Where a run keeps its data: throwaway databases and a temporary folder, all removed after.

SQLite databases are files in a temporary folder (beside the file a `sqlite:///` URL
names, or in the system's temporary folder); on PostgreSQL each is a new database beside
the one the URL names, which is never changed, and every one is dropped at the end.
"""

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection
from sqlalchemy.engine import URL, make_url

from bench.common import BenchError, say
from service import migrations
from service.demo import seed as demo
from service.demo.seed import SeedResult
from service.reports.weeks import IsoWeek


class Workspace:
    """A context: `database(label)` makes an empty database; leaving removes them all."""

    def __init__(self, base_url: str | None) -> None:
        self.base = make_url(base_url) if base_url else None
        self.kind = self.base.get_backend_name() if self.base else "sqlite"
        if self.kind not in ("sqlite", "postgresql"):
            raise BenchError(f"unsupported database {self.kind!r}: give SQLite or PostgreSQL")
        if self.kind == "sqlite" and self.base and self.base.database in (None, "", ":memory:"):
            raise BenchError("an in-memory SQLite database cannot be shared with a server")
        self.folder = Path()
        self._databases: list[str] = []
        self._run = uuid.uuid4().hex[:8]

    def __enter__(self) -> "Workspace":
        parent = None
        if self.kind == "sqlite" and self.base is not None:
            parent = Path(self.base.database or "").resolve().parent
            parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-bench-", dir=parent))
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            for name in list(self._databases):
                self._drop(name)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
        say("removed the run's databases and files")

    def database(self, label: str) -> str:
        """The URL of a new, empty database (not yet migrated)."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / f'{label}.db'}"
        name = f"hotline_bench_{self._run}_{label}"
        with self._admin() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        say(f"created database {name}")
        return self._server().set(database=name).render_as_string(hide_password=False)

    def remove(self, url: str) -> None:
        """Remove one database before the end (its data is no longer needed)."""
        parsed = make_url(url)
        if self.kind == "sqlite":
            for path in self.folder.glob(f"{Path(parsed.database or '').name}*"):
                path.unlink(missing_ok=True)
        elif parsed.database in self._databases:
            self._drop(parsed.database)

    def _drop(self, name: str) -> None:
        with self._admin() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._databases.remove(name)

    def _server(self) -> URL:
        """The PostgreSQL URL named (a run on PostgreSQL always names one)."""
        if self.base is None:
            raise BenchError("no PostgreSQL database was named")
        return self.base

    @contextlib.contextmanager
    def _admin(self) -> Iterator[Connection]:
        engine = sa.create_engine(self._server(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def migrate(url: str) -> None:
    """Migrate to head without Alembic's log lines (they would mix with the progress)."""
    config = migrations.alembic_config(url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def seed(url: str, *, weeks: list[IsoWeek], calls_per_week: int, seed_value: int) -> SeedResult:
    """Fill `url` as `hotline seed --from … --to … --calls-per-week N --seed S` does."""
    from service.db import create_db_engine

    engine = create_db_engine(url)
    try:
        demo.check_migrated(engine)
        return demo.run(
            engine, weeks=weeks, calls_per_week=[calls_per_week] * len(weeks), seed=seed_value
        )
    finally:
        engine.dispose()
