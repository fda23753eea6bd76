"""Figures 2 and 5: the weekly report beside the plain aggregate, and the server's memory."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from bench.common import client, count_calls, get, say, timed_ms
from bench.figures import Figure
from bench.server import Server
from service.config import get_settings
from service.db import UTCDateTime
from service.reports.weeks import IsoWeek

# The floor: the single aggregate the whole report should cost within 10x of.
FLOOR_SQL = (
    "SELECT line, count(*) FROM call WHERE received_at >= :start AND received_at < :end "
    "GROUP BY line"
)


def floor_statement() -> sa.TextClause:
    """FLOOR_SQL with its bounds bound as the service binds stored times."""
    return sa.text(FLOOR_SQL).bindparams(
        sa.bindparam("start", type_=UTCDateTime()), sa.bindparam("end", type_=UTCDateTime())
    )


@dataclass
class ReportTiming:
    """The report through the server and the floor on the database, for one database."""

    calls_in_database: int
    calls_in_week: int
    report_ms: list[float]
    floor_ms: list[float]

    @property
    def report(self) -> float:
        return statistics.median(self.report_ms)

    @property
    def floor(self) -> float:
        return statistics.median(self.floor_ms)


def measure(
    server: Server, token: str, engine: Engine, week: IsoWeek, *, repeats: int
) -> ReportTiming:
    """`GET /reports/weekly?week=W` and the floor query: each a warm-up, then `repeats`."""
    with client(server.base_url, token) as http:
        report_ms = timed_ms(lambda: get(http, "/reports/weekly", week=str(week)), repeats)
    start, end = week.bounds(get_settings().timezone)
    floor = floor_statement()
    with engine.connect() as connection:

        def run_floor() -> Sequence[sa.Row[str, int]]:
            try:
                return connection.execute(floor, {"start": start, "end": end}).all()
            finally:
                connection.rollback()

        counts = run_floor()
        floor_ms = timed_ms(run_floor, repeats)
    timing = ReportTiming(
        calls_in_database=count_calls(engine),
        calls_in_week=sum(count for _, count in counts),
        report_ms=report_ms,
        floor_ms=floor_ms,
    )
    say(
        f"weekly report {week} ({timing.calls_in_week:,} calls in the week, "
        f"{timing.calls_in_database:,} in the database): {timing.report:.1f} ms, "
        f"floor {timing.floor:.2f} ms"
    )
    return timing


def figures(small: ReportTiming, big: ReportTiming) -> list[Figure]:
    """The report on each database beside its floor, and the big one beside the small one."""
    result = []
    for key, timing in (("report_small", small), ("report_big", big)):
        details = {
            "calls_in_database": timing.calls_in_database,
            "calls_in_week": timing.calls_in_week,
            "report_ms_runs": timing.report_ms,
            "floor_ms_runs": timing.floor_ms,
        }
        met = timing.report / timing.floor <= 10 and timing.report < 150
        result.append(
            Figure(key, f"GET /reports/weekly, {timing.calls_in_database:,} calls in DB", "ms",
                   timing.report, timing.floor, "COUNT(*) GROUP BY line, same week",
                   "≤ 10x floor and < 150 ms", met, details)
        )  # fmt: skip
    result.append(
        Figure("report_growth", f"Report at {big.calls_in_database:,} calls", "ms", big.report,
               small.report, f"the report at {small.calls_in_database:,} calls", "≤ 1.5x",
               big.report / small.report <= 1.5)
    )  # fmt: skip
    return result


def memory_figure(peak_mb: float, startup_mb: float, *, reports: int) -> Figure:
    """The server's peak RSS (VmHWM) after serving the report, beside its RSS at startup."""
    return Figure("memory", f"Server peak RSS after {reports} weekly reports", "MB", peak_mb,
                  startup_mb, "the server's RSS right after startup", "< 200 MB",
                  peak_mb < 200, {"reports_served": reports})  # fmt: skip
