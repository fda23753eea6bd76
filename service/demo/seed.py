"""Seeding demo data: checks, reset, and the bulk run with its rate."""

import contextlib
import gc
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlmodel import col, select

from service import migrations
from service.advisers.models import AdviserLine
from service.calls.models import Call
from service.cases.models import Case
from service.config import get_settings
from service.demo import writer
from service.demo.pipeline import Advisers, Part, Pipeline, Plan
from service.models import metadata
from service.reports.weeks import IsoWeek
from service.search import index as search_index
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
# The cases' own rows, emptied before the calls, and the cases and their counter after.
CASE_CHILD_TABLES = ("case_event", "case_note", "case_task", "case_referral")
CASE_TABLES = ("case_file", "case_counter")
# Every table a seed writes or a reset empties: a seed has them to itself (`_alone`).
SEEDED_TABLES = (
    *CASE_CHILD_TABLES,
    *CALL_TABLES,
    *CASE_TABLES,
    *ADVISER_TABLES,
    "idempotency_key",
)
# How long a seed waits for the database to be its own before it refuses.
LOCK_WAIT_MS = 1000


# From this many calls on, a load into an empty database drops and rebuilds the indexes
# (and on PostgreSQL the foreign keys).
BULK_LOAD_CALLS = 50_000
BULK_TABLES = (
    "call",
    "call_issue_category",
    "call_advice",
    "call_offer",
    "call_event",
    "presence_event",
    *CASE_CHILD_TABLES,
    "case_file",
)
# In a bulk load into SQLite, the generating process writes these groups of tables into
# files of its own, copied over whole at the end: SQLite has one writer, so this is how
# both cores write. Chosen to balance that process's work against this one's. Not the
# journal: the presence changes are derived from it where it is written (`writer.write`).
PARTS = (("call_offer",),)


class SeedError(Exception):
    """The database is not one that seeding may write to."""


class InUse(SeedError):
    """Another connection has the database open: the service, most likely."""

    def __init__(self) -> None:
        super().__init__("the service is using this database; stop it first")


class HasData(SeedError):
    """The database holds calls or advisers, and the seed was not asked to replace them."""

    def __init__(self) -> None:
        super().__init__("the database already has calls or advisers; use --reset to replace them")


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


def has_data(bind: Engine | Connection) -> bool:
    """Whether the database already holds calls, cases, or advisers serving a line.

    People registered only to hold an API token (the first admin, say) do not count.
    """
    with contextlib.ExitStack() as stack:
        connection = bind if isinstance(bind, Connection) else stack.enter_context(bind.connect())
        return (
            connection.execute(select(Call.id).limit(1)).first() is not None
            or connection.execute(select(Case.id).limit(1)).first() is not None
            or connection.execute(select(AdviserLine.adviser_id).limit(1)).first() is not None
        )


def active_codes(connection: Connection) -> dict[str, set[str]]:
    """The codes of each code list that calls may still be classified with."""
    return {
        name: set(connection.scalars(select(model.code).where(col(model.active).is_(True))))
        for name, model in CODE_LISTS.items()
    }


def reset_data(connection: Connection) -> None:
    """Delete every call, journal row, case (with its tasks, referrals, notes, timeline and
    reference counter) and adviser, and the idempotency keys of the requests that made or
    moved them; code lists, rules and token holders stay.

    A key outliving its call would answer its retry with a call that is gone (404) instead
    of recording the call again. Runs inside the seed's transaction (`run`).
    """
    # The phone system's token belongs to no one: a NULL in NOT IN would keep every adviser.
    keep = "SELECT adviser_id FROM api_token WHERE adviser_id IS NOT NULL"
    if connection.dialect.name == "postgresql":
        # The key holds the id as Python writes a UUID; the CASE keeps a key of another
        # shape (none today) from failing the cast, and lets the lookup use the primary key.
        object_id = (
            "CASE WHEN idempotency_key.object_id ~ "
            "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "
            "THEN CAST(idempotency_key.object_id AS uuid) END"
        )
    else:
        object_id = "replace(idempotency_key.object_id, '-', '')"  # stored as 32 hex digits
    connection.execute(
        sa.text(
            "DELETE FROM idempotency_key WHERE "
            f"EXISTS (SELECT 1 FROM call WHERE call.id = {object_id}) OR "
            f"EXISTS (SELECT 1 FROM case_file WHERE case_file.id = {object_id}) OR "
            f"EXISTS (SELECT 1 FROM case_task WHERE case_task.id = {object_id}) OR "
            f"EXISTS (SELECT 1 FROM adviser WHERE adviser.id = {object_id} "
            f"AND adviser.id NOT IN ({keep}))"
        )
    )
    # Children first: the cases' rows, the calls (which name their case), then the cases.
    emptied = (*CASE_CHILD_TABLES, *CALL_TABLES, *CASE_TABLES)
    if connection.dialect.name == "postgresql":
        # One TRUNCATE of the cases, calls and journals: row-by-row deletes re-check every key.
        connection.execute(sa.text(f"TRUNCATE {', '.join(emptied)}"))
    else:
        for table in emptied:
            connection.execute(sa.text(f"DELETE FROM {table}"))
    # People with API tokens keep their record and their tokens, so nobody is locked out.
    for table in ADVISER_TABLES:
        column = "id" if table == "adviser" else "adviser_id"
        connection.execute(sa.text(f"DELETE FROM {table} WHERE {column} NOT IN ({keep})"))


def run(
    engine: Engine,
    *,
    weeks: list[IsoWeek],
    calls_per_week: list[int],
    seed: int,
    reset: bool = False,
    progress: Callable[[int], None] = lambda calls: None,
) -> SeedResult:
    """Generate and write the weeks' data, after emptying the database if `reset`;
    `progress` hears of each day's calls.

    All or nothing: the reset, every day's rows, the indexes and the statistics are one
    transaction, on a connection that has the database to itself from before it reads
    anything until the commit (`_alone`), so nothing the service stored can be lost or mixed
    in, and a failure leaves the database as it was. InUse if another connection has the
    database open; HasData if it holds data and not `reset`.

    A child process generates and writes while this one writes (see `pipeline`). The
    generator is one seeded sequence either way, so the data does not depend on timing.
    """
    started = time.perf_counter()
    calls = advisers = 0
    with contextlib.ExitStack() as stack:
        connection, filled = stack.enter_context(_alone(engine, durable_if_filled=reset))
        if filled:
            if not reset:
                raise HasData()
            reset_data(connection)
        codes = active_codes(connection)
        bulk = not has_data(connection) and sum(calls_per_week) >= BULK_LOAD_CALLS
        sqlite = engine.dialect.name == "sqlite"
        on_disk = sqlite and engine.url.database not in (None, "", ":memory:")
        parts = []
        if bulk and on_disk:
            # Beside the database: where there is room for the data, there is room for this.
            directory = Path(str(engine.url.database)).resolve().parent
            part_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=directory)))
            parts = [
                Part(str(part_dir / f"{n}.db"), tables, writer.part_schema(connection, tables))
                for n, tables in enumerate(PARTS)
            ]
        plan = Plan(seed, codes, weeks, calls_per_week, get_settings().timezone, sqlite)
        pipeline = stack.enter_context(Pipeline(plan, parts))
        kept = tuple(table for part in parts for table in part.tables)
        restore = _relax_schema(connection, enabled=bulk, keep=kept)
        stack.enter_context(_without_cyclic_gc())
        for message in pipeline.messages():
            if isinstance(message, Advisers):  # after every day's rows
                writer.finish_advisers(connection, message.rows)
                advisers = message.count
                restore()  # while the generating process indexes its part files
            elif isinstance(message, Part):
                writer.copy_tables(connection, message.path, message.tables)
            else:
                writer.write(connection, message.rows)
                if message.calls is not None:  # a day's
                    calls += message.calls
                    progress(message.calls)
        restore()  # (done already, unless no day came)
        # Fresh statistics: with the empty tables' ones, PostgreSQL plans the reports badly.
        if sqlite:
            # Sampled, as SQLite advises for big tables: a full ANALYZE reads every index.
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")
    return SeedResult(advisers=advisers, calls=calls, seconds=time.perf_counter() - started)


@contextlib.contextmanager
def _alone(engine: Engine, *, durable_if_filled: bool) -> Iterator[tuple[Connection, bool]]:
    """One connection that has the database to itself, in the one transaction of a seed,
    committed on leaving (rolled back after an error); and whether the database has data.

    "To itself" is checked and then kept by a lock, on both databases: a check alone races
    with a service starting meanwhile, and a lock alone would let a running service's
    requests wait and fail for the whole seed and then serve data swapped under it.
    InUse if another connection has the database open, or does not let go within
    LOCK_WAIT_MS. This process's own idle connections are closed first, as they count too.
    """
    engine.dispose()
    if engine.dialect.name == "sqlite":
        with _sqlite_alone(engine, durable_if_filled=durable_if_filled) as alone:
            yield alone
        return
    with engine.connect() as connection, connection.begin():
        # Stored times are UTC text without an offset; read them as UTC.
        connection.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
        # ACCESS EXCLUSIVE: no other session reads or writes these tables until the commit,
        # so the service can acknowledge no call the seed would delete or miss. Taken
        # first, then the sessions are counted: one that connects later finds the lock.
        try:
            connection.exec_driver_sql(
                f"LOCK TABLE {', '.join(SEEDED_TABLES)} IN ACCESS EXCLUSIVE MODE"
            )
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise InUse() from None
            raise
        # Any other client on this database, idle in the service's pool or not. (Through a
        # pooler that hides them, the lock above still holds the service off.)
        others = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).scalar_one()
        if others:
            raise InUse()
        yield connection, has_data(connection)


@contextlib.contextmanager
def _sqlite_alone(engine: Engine, *, durable_if_filled: bool) -> Iterator[tuple[Connection, bool]]:
    """SQLite's `_alone`: the exclusive lock on the file, held by the connection for the run.

    In WAL mode every open connection holds a shared lock on the file for as long as it is
    open, idle or not, so the exclusive lock is had exactly when no other connection (the
    service's pool, a reader) has the database open; `locking_mode=EXCLUSIVE` then keeps it
    past each transaction until this connection closes, so no one can even connect to read.

    Alone, the load needs no WAL (which would write every page twice): a rollback journal,
    which also undoes a crashed or failed seed. Neither foreign keys nor CHECK constraints
    are checked row by row (the generator makes them hold, and the seeding tests check both
    on the result). Commits do not wait for the disk unless the database had data (a
    `--reset`): a crash of the machine may then leave a seeded-into empty database to delete
    and seed again, never a reset database in pieces. The connection is closed after, so
    the pool hands out fresh ones, and the file is back in WAL.
    """
    try:
        connection = engine.connect()
    except sa.exc.OperationalError as exc:  # another seed has it (its connect waited)
        if "locked" in str(exc.orig):
            raise InUse() from None
        raise
    driver = writer.driver(connection)
    assert isinstance(driver, sqlite3.Connection)
    journal = driver.execute("PRAGMA journal_mode").fetchone()[0]
    timeout = driver.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        driver.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        driver.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            driver.execute("BEGIN EXCLUSIVE")
            driver.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                raise InUse() from None
            raise
        driver.execute(f"PRAGMA busy_timeout={int(timeout)}")
        driver.execute("PRAGMA journal_mode=DELETE")
        with connection.begin():
            filled = has_data(connection)
        # Outside any transaction: SQLite ignores `foreign_keys` inside one.
        driver.execute("PRAGMA foreign_keys=OFF")
        driver.execute("PRAGMA ignore_check_constraints=ON")
        if not (filled and durable_if_filled):
            driver.execute("PRAGMA synchronous=OFF")
        driver.execute(f"PRAGMA mmap_size={writer.MMAP_BYTES}")
        # The indexes are built after the rows, when the generating process is done: its
        # core can sort for them.
        driver.execute(f"PRAGMA threads={writer.SORTING_THREADS}")
        with connection.begin():
            yield connection, filled
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            # Back to WAL while still alone. Should that fail (after an error), the next
            # connection of the service turns it on as it connects.
            if journal == "wal":
                with contextlib.suppress(sqlite3.Error):
                    driver.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.invalidate()  # closes it: the lock goes, and its pragmas with it
            connection.close()


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


def _relax_schema(
    connection: Connection, *, enabled: bool, keep: tuple[str, ...]
) -> Callable[[], None]:
    """Without secondary indexes, and on PostgreSQL foreign keys, during a big first load.

    Maintaining indexes row by row costs more than building them once from the data, and
    PostgreSQL checks each foreign key of each row with a query of its own, where adding
    the key afterwards checks all rows in one join. (SQLite loads with its checks off.)
    Returns the restore, to be called as soon as the rows are in (a row that broke a key
    fails the seed there). All in the seed's transaction: a failed seed's rollback puts
    them back.
    """
    tables = [metadata.tables[name] for name in BULK_TABLES if name not in keep]
    indexes = [index for table in tables for index in table.indexes] if enabled else []
    keys = []
    if enabled and connection.dialect.name == "postgresql":
        keys = [key for table in tables for key in table.foreign_key_constraints]
    for key in keys:
        connection.execute(sa.schema.DropConstraint(key))
    for index in indexes:
        index.drop(connection)
    # The search index too (its triggers on SQLite, its GIN indexes on PostgreSQL): built
    # once from the rows, it costs the load a fraction of its upkeep row by row.
    rebuilds = [search_index.suspended(connection)] if enabled else []

    def restore() -> None:
        while indexes:
            indexes.pop().create(connection)
        while keys:
            connection.execute(sa.schema.AddConstraint(keys.pop()))
        while rebuilds:
            rebuilds.pop()()

    return restore
