"""Seeding demo data: checks, reset, and the bulk run with its rate."""

import contextlib
import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from service import migrations
from service.advisers.models import AdviserLine
from service.calls.models import Call
from service.config import get_settings
from service.demo import writer
from service.demo.pipeline import Part, Pipeline, Plan
from service.models import metadata
from service.reports.weeks import IsoWeek
from service.taxonomy.models import CODE_LISTS

# Children before parents, so that emptying never trips a foreign key.
CALL_TABLES = (
    "presence_event",
    "call_event",
    "call_offer",
    "call_advice",
    "call_issue_category",
    "call",
)
ADVISER_TABLES = ("adviser_expertise", "adviser_language", "adviser_line", "adviser")


# From this many calls on, a load into an empty database drops and rebuilds the indexes
# (and on PostgreSQL the foreign keys).
BULK_LOAD_CALLS = 50_000
BULK_TABLES = ("call", "call_issue_category", "call_advice", "call_offer", "call_event",
               "presence_event")  # fmt: skip
# In a bulk load into SQLite, the generating process writes these groups of tables into
# files of its own, copied over whole at the end: SQLite has one writer, so this is how
# both cores write. Chosen to balance that process's work against this one's. Not the
# journal: the presence changes are derived from it where it is written (`writer.write`).
PARTS = (("call_offer",),)


class SeedError(Exception):
    """The database is not one that seeding may write to."""


@dataclass(frozen=True)
class SeedResult:
    advisers: int
    calls: int
    seconds: float

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else float("inf")


def check_migrated(engine: Engine) -> None:
    """Refuse a database that `hotline migrate` has not brought to head."""
    with engine.connect() as connection:
        current = migrations.current_revisions(connection)
    if current != migrations.head_revisions():
        raise SeedError(
            "the database is not migrated to head (it is at "
            f"{', '.join(sorted(current)) or 'no revision'}); run `hotline migrate` first"
        )


def has_data(engine: Engine) -> bool:
    """Whether the database already holds calls, or advisers serving a line.

    People registered only to hold an API token (the first admin, say) do not count.
    """
    with Session(engine) as session:
        return (
            session.exec(select(Call.id).limit(1)).first() is not None
            or session.exec(select(AdviserLine.adviser_id).limit(1)).first() is not None
        )


def reset(engine: Engine) -> None:
    """Delete every call, journal row and adviser; code lists, rules and token holders stay."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # One TRUNCATE of the calls and journals: row-by-row deletes re-check every key.
            connection.execute(sa.text(f"TRUNCATE {', '.join(CALL_TABLES)}"))
        else:
            for table in CALL_TABLES:
                connection.execute(sa.text(f"DELETE FROM {table}"))
        # People with API tokens keep their record and their tokens, so nobody is locked out.
        keep = "SELECT adviser_id FROM api_token"
        for table in ADVISER_TABLES:
            column = "id" if table == "adviser" else "adviser_id"
            connection.execute(sa.text(f"DELETE FROM {table} WHERE {column} NOT IN ({keep})"))


def run(
    engine: Engine,
    *,
    weeks: list[IsoWeek],
    calls_per_week: list[int],
    seed: int,
    progress: Callable[[int], None] = lambda calls: None,
) -> SeedResult:
    """Generate and write the weeks' data; `progress` hears of each day's calls.

    A child process generates and writes while this one writes (see `pipeline`). The
    generator is one seeded sequence either way, so the data does not depend on timing.
    """
    with Session(engine) as session:
        codes = {
            name: set(session.exec(select(model.code).where(model.active.is_(True))).all())
            for name, model in CODE_LISTS.items()
        }
    started = time.perf_counter()
    bulk = not has_data(engine) and sum(calls_per_week) >= BULK_LOAD_CALLS
    on_disk = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
    calls = advisers = 0
    with contextlib.ExitStack() as stack:
        parts = []
        if bulk and on_disk:
            # Beside the database: where there is room for the data, there is room for this.
            directory = Path(engine.url.database).resolve().parent
            part_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=directory)))
            with engine.connect() as connection:
                parts = [
                    Part(str(part_dir / f"{n}.db"), tables, writer.part_schema(connection, tables))
                    for n, tables in enumerate(PARTS)
                ]
        sqlite = engine.dialect.name == "sqlite"
        plan = Plan(seed, codes, weeks, calls_per_week, get_settings().timezone, sqlite)
        pipeline = stack.enter_context(Pipeline(plan, parts))
        kept = tuple(table for part in parts for table in part.tables)
        restore = stack.enter_context(_relaxed_schema(engine, enabled=bulk, keep=kept))
        connection = stack.enter_context(writer.loading(engine, bulk=bulk))
        stack.enter_context(_without_cyclic_gc())
        for kind, payload, count in pipeline.messages():
            if kind == "advisers":  # after every day's rows
                writer.finish_advisers(connection, payload)
                advisers = count
                restore(connection)  # while the generating process indexes its part files
            elif kind == "part":
                writer.copy_tables(connection, payload.path, payload.tables)
            else:
                writer.write(connection, payload)
                if kind == "day":
                    calls += count
                    progress(count)
    # Fresh statistics: with the empty tables' ones, PostgreSQL plans the reports badly.
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            # Sampled, as SQLite advises for big tables: a full ANALYZE reads every index.
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")
    return SeedResult(advisers=advisers, calls=calls, seconds=time.perf_counter() - started)


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector off: the batches are millions of objects without cycles,
    which it would only walk over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _relaxed_schema(
    engine: Engine, *, enabled: bool, keep: tuple[str, ...]
) -> Iterator[Callable[[Connection], None]]:
    """Without secondary indexes, and on PostgreSQL foreign keys, during a big first load.

    Maintaining indexes row by row costs more than building them once from the data, and
    PostgreSQL checks each foreign key of each row with a query of its own, where adding
    the key afterwards checks all rows in one join. (SQLite loads with its checks off.)
    Yields the restore, to be called on the loading connection as soon as the rows are in;
    it also runs on leaving, even if the load failed, so that the schema matches the
    migrations afterwards, and a row that broke a key would fail the run there.
    """
    tables = [metadata.tables[name] for name in BULK_TABLES if name not in keep]
    indexes = [index for table in tables for index in table.indexes] if enabled else []
    keys = []
    if enabled and engine.dialect.name == "postgresql":
        keys = [key for table in tables for key in table.foreign_key_constraints]
    with engine.begin() as connection:
        for key in keys:
            connection.execute(sa.schema.DropConstraint(key))
        for index in indexes:
            index.drop(connection)

    def restore(connection: Connection) -> None:
        with connection.begin():
            while indexes:
                indexes.pop().create(connection)
            while keys:
                connection.execute(sa.schema.AddConstraint(keys.pop()))

    try:
        yield restore
    finally:
        if indexes or keys:
            with engine.connect() as connection:
                restore(connection)
