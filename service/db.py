"""Engine, sessions and the column types every domain shares."""

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from service import sqlite_writers
from service.api import records_reads
from service.config import get_settings
from service.sqlite_writers import WriterQueueConnection

logger = logging.getLogger(__name__)

# Deterministic constraint names, so that migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Execution option of a connection that will write; on SQLite it begins with the write lock.
WRITES = "hotline_writes"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a SQLite writer waits for the write lock before the request is answered 503.
SQLITE_BUSY_TIMEOUT_MS = 5000

# Taxonomy codes: stable, lower-case keys such as `health_social`.
CODE_LENGTH = 40
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


def code_type() -> sa.String:
    """The column type of a taxonomy code, wherever it is stored."""
    return sa.String(CODE_LENGTH)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned tz-aware.

    SQLite has no time zone type and hands back naive values; PostgreSQL hands back the
    session's zone. Normalising here means no code above the database sees a naive time.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach an offset")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text, so every stored value must share one format.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_microseconds_between(start: str, end: str) -> str:
    """SQLite's whole microseconds from `start` to `end`: an integer, exact.

    Both are stored text, `YYYY-MM-DD HH:MM:SS.ffffff` in UTC (UTCDateTime, and the demo
    seeder's `utc_text`). The date functions keep milliseconds only, rounded: julianday()
    and strftime('%s') put `…:59.9996` in the next second. So the microseconds come from
    the digits after the point, and the whole seconds from julianday(): its difference, less
    the digits' difference, is a whole number of seconds to within 2 ms, rounded to it
    exactly. (Parsing the text cut to whole seconds instead took twice as long.)
    """
    micro = f"(CAST(substr({end}, 21) AS INTEGER) - CAST(substr({start}, 21) AS INTEGER))"
    seconds = f"(julianday({end}) - julianday({start})) * 86400.0"
    return f"(CAST(ROUND({seconds} - {micro} / 1000000.0) AS INTEGER) * 1000000 + {micro})"


class seconds_between(sa.sql.functions.FunctionElement[float]):
    """`seconds_between(start, end)`: the seconds from one stored timestamp to another.

    Exact to the microsecond on both databases: PostgreSQL's is a numeric, SQLite's the
    whole microseconds divided by 1e6 once, which rounds n µs to the double nearest n / 1e6.
    So a wait compares with a threshold of whole microseconds (5, 20, 12.5 s) as the exact
    value would: 5.000001 s is over 5 s on both, and 5.000000 s is not.
    """

    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({_sqlite_microseconds_between(start, end)} / 1000000.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


class whole_hours_between(sa.sql.functions.FunctionElement[int]):
    """`whole_hours_between(start, end)`: full hours from start to a later end (an integer)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(whole_hours_between, "sqlite")
def _whole_hours_sqlite(element: whole_hours_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    # Whole microseconds, then integer division: exact, where strftime('%s') would round
    # 10:59:59.9996 up into the next hour.
    return f"({_sqlite_microseconds_between(start, end)} / 3600000000)"


@compiles(whole_hours_between, "postgresql")
def _whole_hours_postgresql(element: whole_hours_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 3600) AS INTEGER)"


class later_of(sa.sql.functions.FunctionElement[Any]):
    """The later of two timestamps (GREATEST; SQLite's two-argument max)."""

    type = UTCDateTime()
    inherit_cache = True


class earlier_of(later_of):
    """The earlier of two timestamps (LEAST; SQLite's two-argument min)."""

    inherit_cache = True


@compiles(later_of, "sqlite")
def _later_of_sqlite(element: later_of, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(earlier_of, "sqlite")
def _earlier_of_sqlite(element: earlier_of, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(later_of, "postgresql")
def _later_of_postgresql(element: later_of, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(earlier_of, "postgresql")
def _earlier_of_postgresql(element: earlier_of, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


def _configure_sqlite(engine: Engine, database: str | None, synchronous: str) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite opens transactions lazily and never for SELECT; take control so that
        # SAVEPOINTs and rollbacks behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        if isinstance(dbapi_connection, WriterQueueConnection) and database:
            dbapi_connection.writer_lock = sqlite_writers.lock_for(database)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # A writing transaction takes SQLite's write lock at once. Begun lazily, it would read
        # a snapshot first and then fail with SQLITE_BUSY if another writer committed since.
        immediate = connection.get_execution_options().get(WRITES, False)
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        raw = connection.connection.dbapi_connection
        writer = raw if isinstance(raw, WriterQueueConnection) else None
        if writer is not None and not writer.begin_writing(SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sa.exc.OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if writer is not None:
                writer.rollback()  # hands the writer lock on; there is no transaction to end
            raise


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings this service relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "factory": WriterQueueConnection},
        )
        in_memory = parsed.database in (None, "", ":memory:")
        synchronous = get_settings().sqlite_synchronous
        _configure_sqlite(engine, None if in_memory else parsed.database, synchronous)
        return engine
    # Parameters carry notes and phone numbers: keep them out of logs and error messages.
    # pre-ping: a connection the server dropped (restart, failover) is replaced, not used.
    # jit=off: the report's queries look costly to the planner (a journal lookup per call)
    # but run in milliseconds; compiling them first took 30 ms of a 60 ms query.
    settings = get_settings()
    return sa.create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        # One connection for each request let in at once (`request_gate`), and two for the
        # timers: kept open, so that a busy desk opens no new connections.
        pool_size=settings.database_requests + 2,
        max_overflow=0,
        pool_timeout=settings.database_pool_timeout_s,
        connect_args={
            "connect_timeout": settings.database_connect_timeout_s,
            "options": f"-c statement_timeout={int(settings.database_statement_timeout_s * 1000)}"
            f" -c lock_timeout={int(settings.database_lock_timeout_s * 1000)} -c jit=off",
        },
    )


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    settings = get_settings()
    return create_db_engine(settings.database_url, echo=settings.database_echo)


def writing_session(engine: Engine) -> Session:
    """Return a session for a use case that writes (see WRITES)."""
    return Session(engine.execution_options(**{WRITES: True}))


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring what the session holds.

    For rows the session has just written, with every value made in Python, reading them
    back would only return what was sent: for a new call and its code lists, three queries
    inside the write lock.
    """
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def reading_session(engine: Engine) -> Session:
    """Return a session for a use case that only reads: all of it sees one snapshot.

    A report is a dozen queries; under PostgreSQL's default READ COMMITTED each would see
    the calls committed since the one before, and the parts of a report would disagree (a
    line missing from the totals but present in the percentiles). REPEATABLE READ gives the
    whole transaction one snapshot, as SQLite's WAL reads already have.
    """
    if engine.dialect.name == "postgresql":
        return Session(engine.execution_options(isolation_level="REPEATABLE READ"))
    return Session(engine)


def _writer_turn(engine: Engine) -> contextlib.AbstractAsyncContextManager[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return contextlib.nullcontext()
    return sqlite_writers.writing_request(database, timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)


def close_quietly(session: Session) -> None:
    """Close a session; on a connection the database has dropped, discard it instead.

    Closing rolls back what is open, which needs the connection. When the server has gone
    (killed, restarted) the rollback fails, after the answer has started; the connection is
    dead anyway, so it is invalidated and the pool makes a new one, and nothing is raised.
    """
    try:
        session.close()
    except sa.exc.DBAPIError as exc:
        logger.warning("dropped a dead database connection (%s)", type(exc.orig).__name__)
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            session.invalidate()


class Busy(Exception):
    """Every database slot of this process stayed taken for the queue timeout: shed, 503."""


_gates: dict[tuple[int, int], asyncio.Semaphore] = {}


@contextlib.asynccontextmanager
async def request_gate(engine: Engine) -> AsyncIterator[None]:
    """Let at most `database_requests` requests use the database at once; queue the rest.

    They queue here, on the event loop, not in the thread pool for a pooled connection: a
    burst of clients is served in turn, and one that waited `database_queue_timeout_s` is
    told the service is busy at once, not after the pool's timeout as if it were down.
    """
    settings = get_settings()
    key = (id(engine), id(asyncio.get_running_loop()))
    gate = _gates.get(key)
    if gate is None:
        gate = _gates[key] = asyncio.Semaphore(settings.database_requests)
    try:
        await asyncio.wait_for(gate.acquire(), settings.database_queue_timeout_s)
    except TimeoutError:
        raise Busy from None
    try:
        yield
    finally:
        gate.release()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Yield one session per request; what was not committed is rolled back.

    async, so that making and closing the session takes no trip through the thread pool
    (the route's own work runs there); only a session left in a transaction, by a failed
    request, is closed there, since its rollback talks to the database. On SQLite a request
    that writes first waits for its turn (`sqlite_writers.writing_request`); past the busy
    timeout it is answered 503 like any locked database.
    """
    engine = get_engine()
    # A read that is recorded in the audit trail writes (`service.api.AUDITED_READ`).
    writes = request.method not in READ_METHODS or records_reads(request.scope)
    turn = _writer_turn(engine) if writes else contextlib.nullcontext()
    try:
        async with request_gate(engine), turn:
            session = writing_session(engine) if writes else reading_session(engine)
            try:
                yield session
            finally:
                if session.in_transaction():
                    await run_in_threadpool(close_quietly, session)
                else:
                    close_quietly(session)
    except sqlite_writers.WriterBusy:
        raise sa.exc.OperationalError(
            "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
        ) from None


SessionDep = Annotated[Session, Depends(get_session)]
