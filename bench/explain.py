"""The query plans of the weekly report's and the listing's queries, as a text file.

The statements are captured as the service runs them (a `before_cursor_execute` listener
around the report's and the listing's own use cases, in this process), with their bound
parameters, and then run again under `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL or
`EXPLAIN QUERY PLAN` on SQLite. The file opens with a summary: per query, its time (on
PostgreSQL), the indexes it uses and the tables it reads whole.
"""

import re
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

import service
from bench.common import say
from bench.report import floor_statement
from service.calls import service as calls_service
from service.calls.filters import CallQuery
from service.clock import utcnow
from service.config import get_settings
from service.db import create_db_engine, reading_session
from service.demo import writer
from service.reports import service as reports_service
from service.reports.weeks import IsoWeek

Captured = list[tuple[str, str, object]]
# Index use and whole-table reads, in PostgreSQL's and in SQLite's words.
_INDEX = re.compile(
    r"(?:Index (?:Only )?Scan (?:Backward )?using|Bitmap Index Scan on"
    r"|USING (?:COVERING )?INDEX|USING INTEGER PRIMARY KEY) (\w+)"
)
_WHOLE = re.compile(
    r"Seq Scan on (\w+).*?actual time=\S+ rows=(\d+) loops=(\d+)|^\s*SCAN (\w+)(?!.*INDEX)"
)
_TIME = re.compile(r"Execution Time: ([\d.]+) ms")
_SERVICE = Path(service.__file__).resolve().parent


def capture(engine: Engine, action: Callable[[], object]) -> Captured:
    """The SELECT statements `action` sends: the code that sent each, statement, parameters."""
    statements: Captured = []

    def listener(
        conn: object,
        cursor: object,
        statement: str,
        parameters: object,
        context: object,
        executemany: bool,
    ) -> None:
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((_caller(), statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return statements


def _caller() -> str:
    """The innermost function of the service on the stack, named from inside `service`."""
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_SERVICE):
            return f"{path.relative_to(_SERVICE).with_suffix('')}.{frame.name}".replace("/", ".")
    return "this benchmark"


def plan(engine: Engine, statement: str, parameters: object) -> str:
    """The plan of one captured statement, run with the very parameters it was sent with."""
    postgresql = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        cursor = writer.driver(connection).cursor()
        try:
            cursor.execute(prefix + statement, parameters)
            rows = cursor.fetchall()
            if postgresql:
                return "\n".join(row[0] for row in rows)
            # SQLite's plan has no times: run the statement itself once for one.
            started = time.perf_counter()
            cursor.execute(statement, parameters).fetchall()
            took = (time.perf_counter() - started) * 1000
        finally:
            cursor.close()
            connection.rollback()
    depth: dict[int, int] = {0: 0}  # (id, parent, notused, detail) rows, as a tree
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * (depth[node] - 1) + detail)
    return "\n".join([*lines, f"Execution Time: {took:.3f} ms (the query run once)"])


def summary(name: str, text: str) -> str:
    """One line: the query's time, the indexes it used, the tables it read whole."""
    indexes = sorted(set(_INDEX.findall(text)))
    whole = []
    for line in text.splitlines():
        match = _WHOLE.search(line)
        if match:
            table, rows, loops, sqlite_table = match.groups()
            if table:  # PostgreSQL gives the rows per loop (per worker of a parallel scan)
                whole.append(f"{table} ({int(rows) * int(loops):,} rows read)")
            elif not sqlite_table.startswith("anon_"):  # not a subquery SQLite materialised
                whole.append(sqlite_table)
    took = _TIME.search(text)
    return (
        f"- {name}: {f'{float(took.group(1)):.2f} ms; ' if took else ''}"
        f"indexes {', '.join(indexes) or 'none'}; whole-table scans {', '.join(whole) or 'none'}"
    )


def write(path: Path, url: str, *, week: IsoWeek, cursor: str, limit: int) -> None:
    """Write the plans of the report for `week`, the listing at `cursor`, and the floor."""
    engine = create_db_engine(url)
    start, end = week.bounds(get_settings().timezone)

    def report() -> None:
        with reading_session(engine) as session:
            reports_service.weekly(
                session=session,
                settings=get_settings(),
                week=week,
                line=None,
                publishable=False,
                now=utcnow(),
            )

    def listing() -> None:
        with Session(engine) as session:
            calls_service.list_calls(session=session, query=CallQuery(limit=limit, cursor=cursor))

    def floor() -> None:
        with engine.connect() as connection:
            connection.execute(floor_statement(), {"start": start, "end": end}).all()

    try:
        with engine.connect() as connection:
            calls = connection.exec_driver_sql("SELECT count(*) FROM call").scalar_one()
        lines, plans = [], []
        for name, action in (("report", report), ("listing", listing), ("floor", floor)):
            statements = capture(engine, action)
            for number, (caller, statement, parameters) in enumerate(statements, start=1):
                text = plan(engine, statement, parameters)
                label = f"{name} query {number} of {len(statements)} ({caller})"
                lines.append(summary(label, text))
                shown = repr(parameters)
                shown = shown if len(shown) <= 400 else shown[:400] + " …"
                plans.append(f"\n## {label}\n\n{statement.strip()}\n\n-- parameters: {shown}\n\n"
                             f"{text}")  # fmt: skip
        header = [
            f"# hotline bench: query plans on {engine.dialect.name}, {calls:,} calls",
            f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; report: week {week} "
            f"({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC); listing: limit {limit} "
            f"at the cursor of the deep page; floor: COUNT(*) GROUP BY line over the week",
            "",
            "## summary",
            "",
        ]
        path.write_text("\n".join([*header, *lines, *plans]) + "\n")
        say(f"wrote {len(plans)} query plans to {path}")
    finally:
        engine.dispose()
