"""Figure 3: the seeder's rate beside a bare `executemany` of the same rows."""

import math
import time
from datetime import timedelta

from sqlalchemy import Engine

from bench.common import say
from bench.figures import Figure
from service.config import get_settings
from service.db import create_db_engine
from service.demo import writer
from service.demo.generate import Generator
from service.demo.rows import COLUMNS, Batch, Flat, Value, full_rows, rows_of
from service.demo.seed import SeedResult, active_codes
from service.reports.weeks import IsoWeek


def floor(
    url: str, *, weeks: list[IsoWeek], calls_per_week: int, seed_value: int, sample_calls: int
) -> tuple[int, float]:
    """Calls and seconds of a bare `executemany` per table of the seeder's own rows.

    The rows of the first weeks of the same plan (about `sample_calls` calls) are generated
    into memory first; then each day's batch, as the seeder writes it, goes in one
    transaction, table by table, into `url`: a freshly migrated database, its indexes and
    foreign keys in place, with the settings the service's engine gives it.
    """
    engine = create_db_engine(url)
    try:
        batches = _generate(engine, weeks, calls_per_week, seed_value, sample_calls)
        calls = sum(batch.calls for batch in batches)
        postgresql = engine.dialect.name == "postgresql"
        mark = "%s" if postgresql else "?"
        inserts = {
            table: f"INSERT INTO {table} ({_quoted(COLUMNS[table])}) "
            f"VALUES ({', '.join([mark] * len(COLUMNS[table]))})"
            for table in writer.ORDER
        }
        say(f"seeding floor: {calls:,} calls generated; inserting them with executemany")
        # One tuple per row, as a plain executemany takes them, with the presence changes
        # that the seeder derives from the journal (not timed).
        days = [_as_tuples(batch.rows) for batch in batches]
        with engine.connect() as connection:
            started = time.perf_counter()
            for rows in days:
                with connection.begin():
                    if postgresql:  # stored times are UTC text, as the seeder's COPY reads them
                        connection.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
                    cursor = writer.driver(connection).cursor()
                    for table in writer.ORDER:
                        if rows.get(table):
                            cursor.executemany(inserts[table], rows[table])
                    cursor.close()
            seconds = time.perf_counter() - started
        return calls, seconds
    finally:
        engine.dispose()


def _quoted(columns: tuple[str, ...]) -> str:
    # `case_referral` has a column named `to`, a reserved word.
    return ", ".join(f'"{column}"' for column in columns)


def _as_tuples(rows: dict[str, Flat]) -> dict[str, list[tuple[Value, ...]]]:
    return {
        table: rows_of(table, values)
        for table, values in writer.with_derived_presence(full_rows(rows)).items()
    }


def _generate(
    engine: Engine, weeks: list[IsoWeek], calls_per_week: int, seed_value: int, sample_calls: int
) -> list[Batch]:
    """The advisers and the days of the first weeks, as `seed.run` would generate them."""
    with engine.connect() as connection:
        codes = active_codes(connection)
    generator = Generator(
        seed=seed_value,
        codes=codes,
        peak_calls_per_week=calls_per_week,
        timezone=get_settings().timezone,
        # As `seed.run`: the range's end decides which cases are closed, so cases are made too.
        until=weeks[-1].monday + timedelta(days=7),
    )
    batches = [generator.adviser_rows(weeks[0].monday)]
    for number in range(min(len(weeks), max(1, math.ceil(sample_calls / calls_per_week)))):
        last = number == len(weeks) - 1
        batches.extend(generator.days(weeks[number], calls_per_week, last=last))
    return batches


def figure(result: SeedResult, floor_calls: int, floor_s: float, *, sqlite: bool) -> Figure:
    floor_rate = floor_calls / floor_s
    ratio = result.calls_per_second / floor_rate
    target = ("≥ 20,000 calls/s (SQLite) and " if sqlite else "") + "≥ 1/3 of the floor"
    met = ratio >= 1 / 3 and (not sqlite or result.calls_per_second >= 20_000)
    details = {
        "seeded_calls": result.calls,
        "seeded_seconds": result.seconds,
        "floor_calls": floor_calls,
        "floor_seconds": floor_s,
    }
    return Figure("seeding", f"Seeding {result.calls:,} calls, rate", "calls/s",
                  result.calls_per_second, floor_rate,
                  f"bare executemany of {floor_calls:,} of the same calls", target, met,
                  details)  # fmt: skip
