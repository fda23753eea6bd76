"""Seeding demo data: checks, reset, and the bulk run with its rate."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from service import migrations
from service.advisers.models import Adviser
from service.calls.models import Call
from service.config import get_settings
from service.demo import writer
from service.demo.generate import Generator
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
    """Generate and write the weeks' data; `progress` hears of each day's calls."""
    with Session(engine) as session:
        codes = {
            name: set(session.exec(select(model.code).where(model.active.is_(True))).all())
            for name, model in CODE_LISTS.items()
        }
    started = time.perf_counter()
    generator = Generator(
        seed=seed,
        codes=codes,
        peak_calls_per_week=max(calls_per_week, default=0),
        timezone=get_settings().timezone,
    )
    writer.write(engine, generator.adviser_rows(weeks[0].monday).rows)
    calls = 0
    for number, (week, count) in enumerate(zip(weeks, calls_per_week, strict=True)):
        for batch in generator.days(week, count, last=number == len(weeks) - 1):
            writer.write(engine, batch.rows)
            calls += batch.calls
            progress(batch.calls)
    writer.finish_advisers(engine, generator.adviser_final_rows())
    return SeedResult(
        advisers=len(generator.advisers), calls=calls, seconds=time.perf_counter() - started
    )
