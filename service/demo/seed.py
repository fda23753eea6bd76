"""Seeding demo data: checks, reset, and the bulk run with its rate."""

import contextlib
import multiprocessing
import queue
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from service import migrations
from service.advisers.models import Adviser
from service.calls.models import Call
from service.config import get_settings
from service.demo import writer
from service.demo.generate import Generator
from service.models import metadata
from service.reports.weeks import IsoWeek
from service.taxonomy.models import CODE_LISTS

# Children before parents, so that emptying never trips a foreign key.
RESET_ORDER = (
    "presence_event",
    "call_event",
    "call_offer",
    "call_advice",
    "call_issue_category",
    "call",
    "adviser_expertise",
    "adviser_language",
    "adviser_line",
    "adviser",
)


# From this many calls on, a load into an empty database drops and rebuilds the indexes.
BULK_LOAD_CALLS = 50_000
BULK_TABLES = ("call", "call_issue_category", "call_advice", "call_offer", "call_event",
               "presence_event")  # fmt: skip
# In a bulk load into SQLite, the generating process writes these tables into a file of its
# own, copied over whole at the end: SQLite has one writer, so this is how both cores write.
PART_TABLES = ("call_offer",)


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
    """Whether the database already holds calls or advisers."""
    with Session(engine) as session:
        return (
            session.exec(select(Call.id).limit(1)).first() is not None
            or session.exec(select(Adviser.id).limit(1)).first() is not None
        )


def reset(engine: Engine) -> None:
    """Delete every call, adviser and journal row; code lists and rules stay."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # One TRUNCATE of all of them: row-by-row deletes re-check every foreign key.
            connection.execute(sa.text(f"TRUNCATE {', '.join(RESET_ORDER)}"))
            return
        for table in RESET_ORDER:
            connection.execute(sa.text(f"DELETE FROM {table}"))


def run(
    engine: Engine,
    *,
    weeks: list[IsoWeek],
    calls_per_week: list[int],
    seed: int,
    progress: Callable[[int], None] = lambda calls: None,
) -> SeedResult:
    """Generate and write the weeks' data; `progress` hears of each day's calls.

    A child process generates while this one writes, so the two cores share the work. The
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
    part_tables = PART_TABLES if bulk and on_disk else ()
    calls = advisers = 0
    with contextlib.ExitStack() as stack:
        part = None
        if part_tables:
            # Beside the database: where there is room for the data, there is room for this.
            directory = Path(engine.url.database).resolve().parent
            part_dir = stack.enter_context(tempfile.TemporaryDirectory(dir=directory))
            with engine.connect() as connection:
                part = (
                    str(Path(part_dir) / "part.db"),
                    writer.part_schema(connection, part_tables),
                )
        context = multiprocessing.get_context("spawn")
        batches = context.Queue(maxsize=3)
        producer = context.Process(
            target=_produce,
            args=(batches, seed, codes, weeks, calls_per_week, get_settings().timezone, part),
            daemon=True,
        )
        producer.start()
        stack.callback(_stop, producer)
        rebuild = stack.enter_context(_indexes_dropped(engine, enabled=bulk, keep=part_tables))
        connection = stack.enter_context(writer.loading(engine))
        while (message := _next(batches, producer)) is not None:
            kind, payload, count = message
            if kind == "error":
                raise RuntimeError(f"demo data generation failed: {payload}")
            if kind == "advisers":  # the last batch but the part file's
                writer.finish_advisers(connection, payload)
                advisers = count
                rebuild(connection)  # while the generating process indexes its part file
            elif kind == "part":
                writer.copy_tables(connection, payload, part_tables)
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


def _stop(producer: "multiprocessing.Process") -> None:
    producer.join(timeout=10)
    if producer.is_alive():
        producer.kill()


def _next(batches: "multiprocessing.Queue", producer: "multiprocessing.Process") -> tuple | None:
    """The next batch; an error if the generating process died without saying so."""
    while True:
        try:
            return batches.get(timeout=1)
        except queue.Empty:
            if not producer.is_alive():
                raise RuntimeError(
                    f"demo data generation stopped (exit code {producer.exitcode})"
                ) from None


def _produce(
    batches: "multiprocessing.Queue",
    seed: int,
    codes: dict[str, set[str]],
    weeks: list[IsoWeek],
    calls_per_week: list[int],
    timezone: str,
    part: tuple[str, list[tuple[str, str]]] | None,
) -> None:
    """Run the generator and hand its batches over, in order (in the child process).

    With a `part`, the rows of its tables go into that file instead, announced at the end.
    """
    try:
        part_file = writer.PartFile(*part) if part else None
        generator = Generator(
            seed=seed,
            codes=codes,
            peak_calls_per_week=max(calls_per_week, default=0),
            timezone=timezone,
        )
        batches.put(("rows", generator.adviser_rows(weeks[0].monday).rows, 0))
        for number, (week, count) in enumerate(zip(weeks, calls_per_week, strict=True)):
            for batch in generator.days(week, count, last=number == len(weeks) - 1):
                if part_file:
                    part_file.take(batch.rows)
                batches.put(("day", batch.rows, batch.calls))
        batches.put(("advisers", generator.adviser_final_rows(), len(generator.advisers)))
        if part_file:
            part_file.finish()
            batches.put(("part", part[0], 0))
    except Exception as exc:  # the parent reports it; a child's traceback would be lost
        batches.put(("error", f"{type(exc).__name__}: {exc}", 0))
    batches.put(None)


@contextlib.contextmanager
def _indexes_dropped(
    engine: Engine, *, enabled: bool, keep: tuple[str, ...]
) -> Iterator[Callable[[Connection], None]]:
    """Without secondary indexes during a big first load; rebuilt from sorted data after.

    Maintaining them row by row costs more than building them once. Yields the rebuild,
    to be called on the loading connection as soon as the rows are in; it also runs on
    leaving, even if the load failed, so the schema always matches the migrations after.
    """
    tables = [table for table in BULK_TABLES if table not in keep] if enabled else []
    indexes = [index for table in tables for index in metadata.tables[table].indexes]
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)

    def rebuild(connection: Connection) -> None:
        with connection.begin():
            while indexes:
                indexes.pop().create(connection)

    try:
        yield rebuild
    finally:
        if indexes:
            with engine.connect() as connection:
                rebuild(connection)
