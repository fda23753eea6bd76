"""Use cases of the reports: the weekly report, the trend and the abandoned calls."""

import uuid
from collections.abc import Hashable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.calls.models import CallAdvice, CallIssueCategory
from service.config import Settings
from service.reports import (
    breakdowns,
    case_figures,
    case_sql,
    disclosure,
    export,
    figure_sql,
    figures,
    kpi,
    queries,
)
from service.reports import publishable as publishable_report
from service.reports.definitions import definitions
from service.reports.erlang import advisers_needed
from service.reports.models import (
    AbandonedCall,
    AbandonedReport,
    AdviserFigures,
    AdviserWeek,
    BreakdownRow,
    CaseReport,
    PreviousWeek,
    StaffingSlot,
    Totals,
    Trend,
    TrendWeek,
    WeeklyReport,
)
from service.reports.weeks import IsoWeek, local_hour_slots, weeks_between
from service.taxonomy import service as taxonomy_service
from service.taxonomy.models import Line

MAX_TREND_WEEKS = 160


def weekly(
    *,
    session: Session,
    settings: Settings,
    week: IsoWeek,
    line: str | None,
    publishable: bool,
    now: datetime,
) -> WeeklyReport:
    """Build the weekly report of one ISO week (Copenhagen time) and one or all lines."""
    taxonomy_service.check_line_filter(session=session, line=line)
    start, end = week.bounds(settings.timezone)
    scope = figure_sql.Scope(start=start, end=end, line=line)
    overall, per_line = figure_sql.figures_by_line(session, scope, settings)
    totals = kpi.totals(overall)
    previous = week.shifted(-1)
    previous_start, previous_end = previous.bounds(settings.timezone)
    previous_totals = _totals(
        session, figure_sql.Scope(start=previous_start, end=previous_end, line=line), settings
    )
    lines = [line] if line else session.exec(select(Line.code).order_by(col(Line.sort_order))).all()
    by_line = {code: kpi.totals(per_line.get(code) or figure_sql.empty_figures()) for code in lines}
    reported, closed = queries.stress_reported(session, scope)
    answered = int(totals.answered or 0)
    categories, primary_categories = breakdowns.by_link(session, scope, CallIssueCategory, answered)
    advice, _ = breakdowns.by_link(session, scope, CallAdvice, answered)
    arrivals = _arrivals_grid(session, scope, settings)
    case_week = case_sql.case_week(session, scope, now)
    outcomes = _outcome_rows(session, case_week, [line, *lines])
    report = WeeklyReport(
        week=str(week),
        timezone=settings.timezone,
        start=start.astimezone(_zone(settings)),
        end=end.astimezone(_zone(settings)),
        line=line,
        publishable=publishable,
        definitions=definitions(settings),
        totals=totals,
        by_line=by_line,
        by_caller_type=breakdowns.by_column(session, scope, "caller_type"),
        by_sector=breakdowns.by_column(session, scope, "sector"),
        by_issue_category=categories,
        primary_issue_category=primary_categories,
        by_advice_type=advice,
        by_workplace_size=breakdowns.by_workplace_size(session, scope),
        stress_reported_share=kpi.rate(reported, closed),
        by_adviser=[] if publishable else _by_adviser(session, scope, now=now),
        arrivals_by_hour=arrivals,
        previous_week=PreviousWeek(
            week=str(previous), totals=previous_totals, change=kpi.change(totals, previous_totals)
        ),
        staffing=_staffing(arrivals, totals.aht_s, settings),
        cases=CaseReport(
            totals=kpi.case_figures(case_week.raw(None), outcomes[line]),
            by_line={code: kpi.case_figures(case_week.raw(code), outcomes[code]) for code in lines},
        ),
    )
    if not publishable:
        return report
    every_line = _lines(session)
    if line is not None:
        # Protected with every line's, as the call figures are.
        case_week = case_sql.case_week(
            session, figure_sql.Scope(start=start, end=end, line=None), now
        )
        outcomes = _outcome_rows(session, case_week, [None, *every_line])
    cases = _case_counts(case_week, outcomes, every_line)
    this_week = _week_counts(session, start, end, every_line, settings, whole=True, cases=cases)
    last_week = _week_counts(session, previous_start, previous_end, every_line, settings)
    return publishable_report.weekly(
        report,
        disclosure.protect_week(this_week, settings.suppress_below),
        disclosure.protect_week(last_week, settings.suppress_below),
    )


def adviser_week(
    *, session: Session, settings: Settings, adviser_id: uuid.UUID, week: IsoWeek, now: datetime
) -> AdviserWeek:
    """One adviser's figures of one ISO week, as the weekly report's `by_adviser` has them."""
    start, end = week.bounds(settings.timezone)
    scope = figure_sql.Scope(start=start, end=end, line=None)
    mine = [f for f in _by_adviser(session, scope, now=now) if f.adviser_id == adviser_id]
    return AdviserWeek(week=str(week), adviser_id=adviser_id, figures=mine[0] if mine else None)


def logged_in_by_hour(
    *, session: Session, settings: Settings, week: IsoWeek, now: datetime
) -> list[list[float | None]]:
    """How many advisers were logged in on average in each local weekday and hour of a week
    (7 x 24, Monday first; None: an hour the week does not have), desk-wide, up to `now`.

    Beside the staffing forecast: the advisers Erlang C says an hour needed, and those who
    were there. Logged in as in `by_adviser`'s `logged_in_s` (not on a break, not offline).
    """
    start, end = week.bounds(settings.timezone)
    slots = local_hour_slots(start, end, settings.timezone)
    seconds = [[0.0] * 24 for _ in range(7)]
    # In the autumn the local hour 02 occurs twice: its average is over both.
    occurs = [[0] * 24 for _ in range(7)]
    for weekday, hour in slots:
        occurs[weekday - 1][hour] += 1
    scope = figure_sql.Scope(start=start, end=end, line=None)
    for index, total in queries.logged_in_by_hour(session, scope, until=now).items():
        weekday, hour = slots[index]
        seconds[weekday - 1][hour] += total
    return [
        [
            round(seconds[d][h] / (3600 * occurs[d][h]), 2) if occurs[d][h] else None
            for h in range(24)
        ]
        for d in range(7)
    ]


def trend(
    *,
    session: Session,
    settings: Settings,
    first: IsoWeek,
    last: IsoWeek,
    line: str | None,
    publishable: bool,
    now: datetime,
) -> Trend:
    """The totals of every week in a range, oldest first."""
    taxonomy_service.check_line_filter(session=session, line=line)
    every_line = _lines(session)
    weeks = []
    for week in weeks_between(first, last):
        start, end = week.bounds(settings.timezone)
        if publishable:
            # Withheld as in the week's own report: its totals are protected on their own.
            every = figure_sql.Scope(start=start, end=end, line=None)
            found = figure_sql.figures_by_line(session, every, settings)
            overall, per_line = found
            raw = overall if line is None else per_line.get(line) or figure_sql.empty_figures()
            case_week = case_sql.trend_week(session, every, now)
            counts = _week_counts(
                session,
                start,
                end,
                every_line,
                settings,
                raw_figures=found,
                cases=_case_counts(
                    case_week, _outcome_rows(session, case_week, [None, *every_line]), every_line
                ),
            )
            withheld = disclosure.protect_week(counts, settings.suppress_below)
            scope = publishable_report.scope_of(line)
            totals = publishable_report.totals(kpi.totals(raw), withheld, scope)
            cases = publishable_report.case_trend(
                kpi.case_trend(case_week.raw(line)), withheld, scope
            )
        else:
            scope_ = figure_sql.Scope(start=start, end=end, line=line)
            totals = _totals(session, scope_, settings)
            cases = kpi.case_trend(case_sql.trend_week(session, scope_, now).raw(None))
        zone = _zone(settings)
        weeks.append(
            TrendWeek(
                week=str(week),
                start=start.astimezone(zone),
                end=end.astimezone(zone),
                totals=totals,
                cases=cases,
            )
        )
    return Trend(line=line, publishable=publishable, weeks=weeks)


def abandoned(
    *, session: Session, settings: Settings, week: IsoWeek, line: str | None, publishable: bool
) -> AbandonedReport:
    """The week's abandoned calls one by one, and whether each was called back."""
    taxonomy_service.check_line_filter(session=session, line=line)
    start, end = week.bounds(settings.timezone)
    rows = queries.abandoned_calls(session, figure_sql.Scope(start=start, end=end, line=line))
    calls = [
        AbandonedCall(
            call_id=row.id,
            received_at=row.received_at,
            ended_at=row.ended_at,
            line=row.line,
            wait_s=round(float(row.wait), 6),  # to the microsecond, as `short` is decided
            short=row.wait <= settings.short_abandon_s,
            callback={None: "none", 0: "pending", 1: "completed"}[row.callback],
        )
        for row in rows
    ]
    counts: dict[str, int | None] = {
        "abandoned": sum(not call.short for call in calls),
        "short_abandoned": sum(call.short for call in calls),
        "called_back": sum(call.callback == "completed" for call in calls),
    }
    suppressed = []
    if publishable:
        # Single calls identify callers: a publishable version has the counts only, withheld
        # as the week's report withholds them (called_back protected across the lines too).
        week_counts = _week_counts(session, start, end, _lines(session), settings, called_back=True)
        withheld = disclosure.protect_week(week_counts, settings.suppress_below)
        hidden = withheld.figures[publishable_report.scope_of(line)]
        suppressed = [name for name in counts if name in hidden]
        counts |= dict.fromkeys(suppressed)
        calls = []
    return AbandonedReport(
        week=str(week),
        line=line,
        publishable=publishable,
        suppressed=suppressed,
        calls=calls,
        **counts,
    )


def _zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def _totals(session: Session, scope: figure_sql.Scope, settings: Settings) -> Totals:
    return kpi.totals(figure_sql.figures_by_line(session, scope, settings)[0])


def _by_adviser(
    session: Session, scope: figure_sql.Scope, *, now: datetime
) -> list[AdviserFigures]:
    rows = []
    for week in queries.adviser_weeks(session, scope, until=now).values():
        seconds = week.seconds_in or {}
        # Desk-wide even with a line: presence is not per line. On-call and wrap-up time are
        # the line's legs (the journal's), so the lines' occupancies add up to the desk's.
        logged_in = sum(seconds.get(s, 0.0) for s in ("on_call", "wrap_up", "available", "offered"))
        on_call, wrap_up = week.on_call_s, week.wrap_up_s
        counted = (week.calls_answered, week.legs_answered, week.offers_missed, on_call, wrap_up)
        if not (logged_in or any(counted)):
            continue  # logged off all week: nothing to report
        mean_handle = week.mean_handle_s
        rows.append(
            AdviserFigures(
                adviser_id=week.adviser_id,
                name=week.name,
                calls_answered=week.calls_answered,
                legs_answered=week.legs_answered,
                callbacks_answered=week.callbacks_answered,
                answered=week.legs_answered,
                mean_handle_s=None if mean_handle is None else round(mean_handle, 3),
                offers_missed=week.offers_missed,
                on_call_s=round(on_call, 3),
                wrap_up_s=round(wrap_up, 3),
                logged_in_s=round(logged_in, 3),
                occupancy=kpi.rate(on_call + wrap_up, logged_in),
            )
        )
    return sorted(rows, key=lambda f: (f.name, str(f.adviser_id)))


def _arrivals_grid(
    session: Session, scope: figure_sql.Scope, settings: Settings
) -> list[list[int | None]]:
    slots = local_hour_slots(scope.start, scope.end, settings.timezone)
    grid = [[0] * 24 for _ in range(7)]
    for hour, count in queries.arrivals_by_hour(session, scope).items():
        weekday, local_hour = slots[hour]
        grid[weekday - 1][local_hour] += count
    return [list[int | None](hours) for hours in grid]


def _staffing(
    arrivals: list[list[int | None]], aht_s: float | None, settings: Settings
) -> list[StaffingSlot]:
    slots = []
    for weekday, hours in enumerate(arrivals, start=1):
        for hour, count in enumerate(hours):
            if not count:
                continue
            if aht_s is None or aht_s <= 0:
                slots.append(
                    StaffingSlot(
                        weekday=weekday,
                        hour=hour,
                        arrivals=count,
                        advisers=None,
                        occupancy=None,
                        service_level=None,
                    )
                )
                continue
            need = advisers_needed(
                arrivals=count,
                interval_s=3600,
                aht_s=aht_s,
                target=settings.service_level_target,
                threshold_s=settings.service_level_threshold_s,
            )
            slots.append(
                StaffingSlot(
                    weekday=weekday,
                    hour=hour,
                    arrivals=count,
                    advisers=need.agents,
                    occupancy=round(need.occupancy, 4),
                    service_level=round(need.service_level, 4),
                )
            )
    return slots


def _outcome_rows(
    session: Session, case_week: case_sql.CaseWeek, scopes: list[str | None]
) -> dict[str | None, list[BreakdownRow]]:
    """The closes by outcome of each scope (None: the report's own), listed codes in full."""
    return {
        scope: breakdowns.by_outcome(session, case_week.outcomes_of(scope))
        for scope in dict.fromkeys(scopes)
    }


def _case_counts(
    case_week: case_sql.CaseWeek,
    outcomes: dict[str | None, list[BreakdownRow]],
    lines: list[str],
) -> disclosure.CaseCounts:
    """The week's case counts in every scope, and the closes by outcome, for disclosure."""
    scopes = {disclosure.ALL: None} | {code: code for code in lines}
    return disclosure.CaseCounts(
        totals={
            name: {key: int(case_week.raw(scope)[key] or 0) for key in case_figures.RAW_COUNTS}
            for name, scope in scopes.items()
        },
        outcomes={
            name: {row.code: row.count or 0 for row in outcomes[scope]}
            for name, scope in scopes.items()
        },
    )


def _lines(session: Session) -> list[str]:
    return list(session.exec(select(Line.code).order_by(col(Line.sort_order))).all())


def _week_counts(
    session: Session,
    start: datetime,
    end: datetime,
    lines: list[str],
    settings: Settings,
    *,
    whole: bool = False,
    called_back: bool = False,
    raw_figures: tuple[figure_sql.Raw, dict[str, figure_sql.Raw]] | None = None,
    cases: disclosure.CaseCounts | None = None,
) -> disclosure.Week:
    """The week's counts in every scope, for disclosure control: the totals, and with
    `whole` the breakdowns, stress reports and arrivals that the weekly report shows too.
    `raw_figures`: what `figure_sql.figures_by_line` gave for all lines, if already at hand.
    """
    every = figure_sql.Scope(start=start, end=end, line=None)
    overall, per_line = raw_figures or figure_sql.figures_by_line(session, every, settings)
    raw = {disclosure.ALL: overall} | {
        line: per_line.get(line) or figure_sql.empty_figures() for line in lines
    }
    names = figures.disclosed_counts()
    totals: dict[str, dict[str, int]] = {}
    for scope_name, found in raw.items():
        counts = {name: int(found[name] or 0) for name in names}
        counts["waiting"] = counts["received"] - sum(
            counts[name] for name in disclosure.OUTCOMES[1:]
        )
        counts |= {"closed": 0, "stress_reported": 0}
        if cases is not None:
            counts |= cases.totals[scope_name]
        totals[scope_name] = counts
    if called_back:
        for scope_name, n in queries.called_back_by_line(session, every).items():
            totals[scope_name]["called_back"] = n
    outcomes = None if cases is None else cases.outcomes
    if not whole:
        return disclosure.Week(lines=tuple(lines), totals=totals, case_outcomes=outcomes)
    cells: dict[str, dict[str, dict[Hashable, int]]] = {name: {} for name in export.BREAKDOWNS}
    arrivals: dict[str, dict[Hashable, int]] = {}
    for scope_name in totals:
        line = None if scope_name == disclosure.ALL else scope_name
        scope = figure_sql.Scope(start=start, end=end, line=line)
        reported, closed = queries.stress_reported(session, scope)
        totals[scope_name] |= {"closed": closed, "stress_reported": reported}
        answered = totals[scope_name]["answered"]
        categories, primary = breakdowns.by_link(session, scope, CallIssueCategory, answered)
        advice, _ = breakdowns.by_link(session, scope, CallAdvice, answered)
        rows = {
            "by_caller_type": breakdowns.by_column(session, scope, "caller_type"),
            "by_sector": breakdowns.by_column(session, scope, "sector"),
            "by_issue_category": categories,
            "primary_issue_category": primary,
            "by_advice_type": advice,
            "by_workplace_size": breakdowns.by_workplace_size(session, scope),
        }
        for name, listed in rows.items():
            cells[name][scope_name] = {row.code: row.count or 0 for row in listed}
        grid = _arrivals_grid(session, scope, settings)
        arrivals[scope_name] = {
            (weekday, hour): count or 0
            for weekday, hours in enumerate(grid, start=1)
            for hour, count in enumerate(hours)
        }
    return disclosure.Week(
        lines=tuple(lines),
        totals=totals,
        breakdowns=cells,
        arrivals=arrivals,
        case_outcomes=outcomes,
    )
