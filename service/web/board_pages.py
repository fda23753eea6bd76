"""The supervisor's wallboard: the queues, the advisers' presence and today's service level.

The page polls its panel (`/web/wallboard/panel`, htmx, every few seconds) rather than
listening to `/desk/events`: that stream is an adviser's (it needs an adviser record and
carries that adviser's own events), and a supervisor may have neither.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlmodel import Session, col, select
from starlette.responses import HTMLResponse

from service.advisers.models import Adviser, Presence
from service.calls import views
from service.clock import NowDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.reports import figure_sql, kpi
from service.reports.models import Totals
from service.taxonomy.models import Line
from service.web.dependencies import SupervisorPage
from service.web.templating import render

router = APIRouter(include_in_schema=False)

# How often the page asks for a fresh panel.
POLL_SECONDS = 5
# What a figure without a value shows: an en dash, as the report's workbook writes it.
NONE = "\N{EN DASH}"
# The presences in the order the board lists them: who can take a call first.
PRESENCE_ORDER = (
    Presence.available,
    Presence.offered,
    Presence.on_call,
    Presence.wrap_up,
    Presence.break_,
    Presence.offline,
)


@dataclass(frozen=True)
class LineBoard:
    code: str
    label: str
    waiting: int
    longest_wait_s: float | None
    today: Totals


@dataclass(frozen=True)
class AdviserRow:
    name: str
    presence: str
    since: datetime


@dataclass(frozen=True)
class Board:
    at: datetime
    lines: list[LineBoard]
    today: Totals
    advisers: list[AdviserRow]
    presence_counts: dict[str, int]
    threshold_s: float
    target: float


def today_start(now: datetime, settings: Settings) -> datetime:
    """Local midnight of `now`'s day in the reports' time zone, as a UTC-comparable instant."""
    zone = ZoneInfo(settings.timezone)
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)


def board(*, session: Session, settings: Settings, now: datetime, lang: str) -> Board:
    """What the wallboard shows now; every figure aggregated in the database."""
    queue = views.queue_summary(session, now=now)
    labels = {
        line.code: line.label_en if lang == "en" else line.label_da
        for line in session.exec(select(Line)).all()
    }
    # Today so far, with the weekly report's own figures (same definitions and SQL).
    scope = figure_sql.Scope(start=today_start(now, settings), end=now, line=None)
    overall, per_line = figure_sql.figures_by_line(session, scope, settings)
    lines = [
        LineBoard(
            code=entry["line"],
            label=labels.get(entry["line"], entry["line"]),
            waiting=entry["waiting"],
            longest_wait_s=entry["longest_wait_s"],
            today=kpi.totals(per_line.get(entry["line"]) or figure_sql.empty_figures()),
        )
        for entry in queue["lines"]
    ]
    rank = {str(presence): index for index, presence in enumerate(PRESENCE_ORDER)}
    found = session.exec(
        select(Adviser.name, Adviser.presence, Adviser.presence_since)
        .where(col(Adviser.active).is_(True))
        .order_by(col(Adviser.name), col(Adviser.id))
    ).all()
    advisers = sorted(
        (AdviserRow(name=name, presence=presence, since=since) for name, presence, since in found),
        key=lambda row: rank.get(row.presence, len(rank)),
    )
    counts = {str(presence): 0 for presence in PRESENCE_ORDER}
    for row in advisers:
        counts[row.presence] = counts.get(row.presence, 0) + 1
    return Board(
        at=now,
        lines=lines,
        today=kpi.totals(overall),
        advisers=advisers,
        presence_counts=counts,
        threshold_s=settings.service_level_threshold_s,
        target=settings.service_level_target,
    )


@dataclass(frozen=True)
class Formats:
    """How the pages write figures in the page's language: 85,0 % in Danish, 85.0 % in English."""

    lang: str
    zone: ZoneInfo

    def number(self, value: float | None, decimals: int = 0) -> str:
        if value is None:
            return NONE
        text = f"{value:,.{decimals}f}"
        if self.lang == "da":
            text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return text

    def percent(self, value: float | None) -> str:
        return NONE if value is None else f"{self.number(value * 100, 1)} %"

    def seconds(self, value: float | None) -> str:
        return NONE if value is None else f"{self.number(value, 1)} s"

    def wait(self, value: float | None) -> str:
        """A wait as minutes and seconds, 3:07."""
        if value is None:
            return NONE
        whole = int(value)
        return f"{whole // 60}:{whole % 60:02d}"

    def clock(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%H:%M")


def _context(
    page: SupervisorPage, session: Session, settings: Settings, now: datetime
) -> dict[str, Any]:
    return {
        "board": board(session=session, settings=settings, now=now, lang=page.lang),
        "fmt": Formats(page.lang, ZoneInfo(settings.timezone)),
        "poll_seconds": POLL_SECONDS,
    }


@router.get("/web/wallboard", summary="The supervisor's wallboard")
def wallboard(
    page: SupervisorPage, session: SessionDep, settings: SettingsDep, now: NowDep
) -> HTMLResponse:
    return render(page, "wallboard.html", **_context(page, session, settings, now))


@router.get("/web/wallboard/panel", summary="The wallboard's figures, for its poll")
def wallboard_panel(
    page: SupervisorPage, session: SessionDep, settings: SettingsDep, now: NowDep
) -> HTMLResponse:
    return render(page, "wallboard_panel.html", **_context(page, session, settings, now))
