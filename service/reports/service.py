"""Use cases of the reports: the weekly report, the trend and the abandoned calls."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from service.calls.models import Call, CallAdvice, CallIssueCategory, WorkplaceSize
from service.config import Settings, get_settings
from service.errors import ValidationFailed
from service.reports import disclosure, kpi, queries
from service.reports import publishable as publishable_report
from service.reports.erlang import advisers_needed
from service.reports.models import (
    AbandonedCall,
    AbandonedReport,
    AdviserFigures,
    AdviserWeek,
    BreakdownRow,
    PreviousWeek,
    StaffingSlot,
    Totals,
    Trend,
    TrendWeek,
    WeeklyReport,
)
from service.reports.weeks import IsoWeek, local_hour_slots, weeks_between
from service.taxonomy import service as taxonomy_service
from service.taxonomy.models import CODE_LISTS, CodeBase, Line

UNCLASSIFIED = ("Uoplyst", "Not recorded")
WORKPLACE_SIZE_LABELS = {
    WorkplaceSize.micro: ("1-9 ansatte", "1-9 employees"),
    WorkplaceSize.small: ("10-49 ansatte", "10-49 employees"),
    WorkplaceSize.medium: ("50-249 ansatte", "50-249 employees"),
    WorkplaceSize.large: ("250+ ansatte", "250+ employees"),
}
MAX_TREND_WEEKS = 160


def weekly(
    *, session: Session, week: IsoWeek, line: str | None, publishable: bool, now: datetime
) -> WeeklyReport:
    """Build the weekly report of one ISO week (Copenhagen time) and one or all lines."""
    _check_line(session, line)
    settings = get_settings()
    start, end = week.bounds(settings.timezone)
    scope = queries.Scope(start=start, end=end, line=line)
    overall, per_line = queries.figures_by_line(session, scope, settings)
    totals = kpi.totals(overall)
    previous = week.shifted(-1)
    previous_start, previous_end = previous.bounds(settings.timezone)
    previous_totals = _totals(
        session, queries.Scope(start=previous_start, end=previous_end, line=line), settings
    )
    lines = [line] if line else session.exec(select(Line.code).order_by(Line.sort_order)).all()
    by_line = {code: kpi.totals(per_line.get(code) or queries.empty_figures()) for code in lines}
    reported, closed = queries.stress_reported(session, scope)
    answered = totals.answered or 0
    categories, primary_categories = _by_link(session, scope, CallIssueCategory, answered)
    advice, _ = _by_link(session, scope, CallAdvice, answered)
    arrivals = _arrivals_grid(session, scope, settings)
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
        by_caller_type=_by_column(session, scope, "caller_type"),
        by_sector=_by_column(session, scope, "sector"),
        by_issue_category=categories,
        primary_issue_category=primary_categories,
        by_advice_type=advice,
        by_workplace_size=_by_workplace_size(session, scope),
        stress_reported_share=kpi.rate(reported, closed),
        by_adviser=[] if publishable else _by_adviser(session, scope, now=now),
        arrivals_by_hour=arrivals,
        previous_week=PreviousWeek(
            week=str(previous), totals=previous_totals, change=kpi.change(totals, previous_totals)
        ),
        staffing=_staffing(arrivals, totals.aht_s, settings),
    )
    if not publishable:
        return report
    every_line = _lines(session)
    this_week = _week_counts(session, start, end, every_line, settings, whole=True)
    last_week = _week_counts(session, previous_start, previous_end, every_line, settings)
    return publishable_report.weekly(
        report,
        disclosure.protect_week(this_week, settings.suppress_below),
        disclosure.protect_week(last_week, settings.suppress_below),
    )


def adviser_week(
    *, session: Session, adviser_id: uuid.UUID, week: IsoWeek, now: datetime
) -> AdviserWeek:
    """One adviser's figures of one ISO week, as the weekly report's `by_adviser` has them."""
    start, end = week.bounds(get_settings().timezone)
    scope = queries.Scope(start=start, end=end, line=None)
    mine = [f for f in _by_adviser(session, scope, now=now) if f.adviser_id == adviser_id]
    return AdviserWeek(week=str(week), adviser_id=adviser_id, figures=mine[0] if mine else None)


def trend(
    *,
    session: Session,
    first: IsoWeek,
    last: IsoWeek,
    line: str | None,
    publishable: bool,
) -> Trend:
    """The totals of every week in a range, oldest first."""
    _check_line(session, line)
    settings = get_settings()
    every_line = _lines(session)
    weeks = []
    for week in weeks_between(first, last):
        start, end = week.bounds(settings.timezone)
        if publishable:
            # Withheld as in the week's own report: its totals are protected on their own.
            every = queries.Scope(start=start, end=end, line=None)
            figures = queries.figures_by_line(session, every, settings)
            overall, per_line = figures
            raw = overall if line is None else per_line.get(line) or queries.empty_figures()
            counts = _week_counts(session, start, end, every_line, settings, figures=figures)
            withheld = disclosure.protect_week(counts, settings.suppress_below)
            scope = publishable_report.scope_of(line)
            totals = publishable_report.totals(kpi.totals(raw), withheld, scope)
        else:
            totals = _totals(session, queries.Scope(start=start, end=end, line=line), settings)
        zone = _zone(settings)
        weeks.append(
            TrendWeek(
                week=str(week),
                start=start.astimezone(zone),
                end=end.astimezone(zone),
                totals=totals,
            )
        )
    return Trend(line=line, publishable=publishable, weeks=weeks)


def abandoned(
    *, session: Session, week: IsoWeek, line: str | None, publishable: bool
) -> AbandonedReport:
    """The week's abandoned calls one by one, and whether each was called back."""
    _check_line(session, line)
    settings = get_settings()
    start, end = week.bounds(settings.timezone)
    rows = queries.abandoned_calls(session, queries.Scope(start=start, end=end, line=line))
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
    counts = {
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


def definitions(settings: Settings) -> dict[str, str]:
    """What every figure means, with the thresholds in force."""
    short, threshold = settings.short_abandon_s, settings.service_level_threshold_s
    return {
        "week": f"ISO week, Monday 00:00 to Monday 00:00 in {settings.timezone}.",
        "received": "Inbound calls whose received_at falls in the week, whatever the outcome. "
        "A transferred call counts once, on the line it is on last (where it ended, or waits "
        "now), with all its figures: answered, wait, aht_s and transfers.",
        "wait": "From received_at to answered_at; for a call never answered, to ended_at.",
        "answered": "Population: received calls. Those with an answered_at (calls, not legs: "
        "a transferred call answered twice counts once).",
        "abandoned": f"Population: received calls. Never answered, the caller hung up after "
        f"more than {short:g} s.",
        "short_abandoned": f"Population: received calls. Never answered, hung up within "
        f"{short:g} s; counted in no rate. received = answered + abandoned + short_abandoned "
        "+ calls still waiting.",
        "abandonment_rate": "Population: received calls answered or abandoned. abandoned ÷ "
        "(answered + abandoned).",
        "service_level": f"Population: received calls answered, or abandoned after "
        f"{threshold:g} s. Answered within {threshold:g} s ÷ (answered + abandoned after "
        f"{threshold:g} s). Every wait and threshold is compared to the microsecond.",
        "asa_s": "Population: answered calls. Mean wait, seconds.",
        "wait_p90_s": "Population: answered calls. 90th percentile (nearest rank) of their "
        "waits, seconds.",
        "aht_s": "Mean handle time of answered calls that have ended, seconds. Handle time = "
        "the time advisers had the call, each leg from accepted to transferred or ended in "
        "the journal (hold is inside its leg, so hold_s is not added again), + wrap-up from "
        "ended to closed where the desk measured it (closed through POST /close); the waits "
        "in a queue between legs are not in it. A call recorded after the fact has no "
        "journal: answered_at to ended_at, no wrap-up. A transferred call's whole handle "
        "time, every leg, counts on the line it ended on.",
        "callbacks_requested": "Population: received calls. Those closed with a callback "
        "requested.",
        "callbacks_completed": "Population: callbacks_requested. Those whose callback call "
        "has been closed (the callback itself is an outbound call, in no other total).",
        "transfers": "Transfers of the week's received calls (journal events; a call "
        "transferred twice counts 2), on the line the call is on last, like the call: not on "
        "the line it was transferred from.",
        "breakdowns": "Population: answered calls. share = count ÷ calls with that field "
        "recorded; "
        "the row with code null counts answered calls without it (share null). A call counts "
        "once for each of its issue categories and advice types, so those shares can add up "
        "to more than 1; primary_issue_category counts the first category only.",
        "stress_reported_share": "Population: received calls that are closed. Those where the "
        "caller reported stress symptoms ÷ all of them.",
        "by_adviser": "One row per adviser with a figure in the week; with line=, per adviser "
        "with a figure of that line. A leg is one adviser's turn with a call: from accepted "
        "to the transferred or ended next in the journal; a transferred call has a leg for "
        "each adviser who accepted it, and its wrap-up goes with the leg that ended it. "
        "Legs count in the week they were accepted, their time cut at the week's end (and "
        "now). With line=, every adviser figure except logged_in_s is of that line: a leg, "
        "its wrap-up and a missed offer on the line the call was on then, calls_answered on "
        "the line the call ended on. Calls recorded after the fact have no legs: they count "
        "in calls_answered only.",
        "by_adviser.calls_answered": "The report's answered calls (as totals.answered counts "
        "them) that the adviser answered first (the first accepted in the journal; for a call "
        "recorded after the fact, the adviser recorded on it). Summed over advisers: "
        "totals.answered less the calls recorded after the fact without an adviser.",
        "by_adviser.legs_answered": "Legs the adviser accepted in the week, inbound and "
        "outbound: a transferred call is one leg for each adviser who accepted it.",
        "by_adviser.callbacks_answered": "Of legs_answered, the legs of outbound calls "
        "(callbacks).",
        "by_adviser.answered": "The same as legs_answered (legs, not calls), kept for older "
        "clients.",
        "by_adviser.mean_handle_s": "Mean handle time of the adviser's legs of inbound calls "
        "that were transferred or ended: accepted to transferred or ended, hold included, + "
        "the measured wrap-up where the leg ended the call. A call's handle time (aht_s) is "
        "the sum of its legs'.",
        "by_adviser.offers_missed": "Offers to the adviser that timed out in the week.",
        "by_adviser.on_call_s": "Seconds in the adviser's legs; two calls at once count twice.",
        "by_adviser.wrap_up_s": "Seconds from ended to closed (or now) of the calls the "
        "adviser ended.",
        "by_adviser.logged_in_s": "Desk-wide, on every line even with line=: seconds in the "
        "week (up to now) shown on_call, wrap_up, offered or available in the presence "
        "history, which is not per line.",
        "by_adviser.occupancy": "(on_call_s + wrap_up_s) ÷ logged_in_s: the share of the "
        "adviser's desk-wide logged-in time spent on calls (of the line, with line=), so the "
        "lines' occupancies add up to the desk's.",
        "arrivals_by_hour": "Population: received calls. Per local weekday (Monday first) "
        "and hour 0-23 of received_at; the hour a change to winter time repeats counts once "
        "with both its halves.",
        "staffing": f"Advisers needed per local weekday and hour to answer "
        f"{settings.service_level_target:.0%} within {threshold:g} s by Erlang C, from that "
        "hour's arrivals and the week's aht_s; occupancy = traffic ÷ advisers.",
        "previous_week": "The same totals for the week before, withheld as that week's own "
        "report withholds them; change = this week - that week (counts as whole numbers), "
        "null where either is null or withheld.",
        "publishable": f"Disclosure control by cell suppression with secondary (complementary) "
        f"suppression, audited: every count below {settings.suppress_below}, zero included, "
        "is withheld (null, listed in `suppressed` or marked `suppressed`), and so are as "
        "many other counts, smallest first, as it takes for no withheld count to be worked "
        "out to within "
        f"{settings.suppress_below} of its value from any published figure of the week: the "
        "report for all lines and for each line, the trend, the previous-week block, the "
        "abandoned list and staffing. The relations audited: all lines = the sum of the "
        "lines; received = answered + abandoned + short_abandoned + still waiting; a "
        "breakdown's cells (unclassified included) = answered; the arrivals = received. For "
        "each withheld count the service builds two tables that keep every published figure "
        "and relation and differ in that count by at least the threshold. A rate or share "
        "is published only where its numerator and denominator are published counts; a "
        "mean (asa_s, wait_p90_s, aht_s) only over a published count of calls; with any of "
        "them withheld for one line alone, another scope's goes too, so that no line's sum "
        "follows by subtraction. service_level is published over published answered and "
        "abandoned counts, stress_reported_share over at least "
        f"{settings.suppress_below} closed calls. A breakdown or the arrivals of a scope whose "
        "answered (received) is withheld are withheld whole. by_adviser, the advisers' own "
        "figures and the single abandoned calls are left out.",
    }


def _check_line(session: Session, line: str | None) -> None:
    if line is None:
        return
    # Reporting on a retired line is fine: its old calls are still there.
    problems = taxonomy_service.code_problems(
        session=session,
        list_name="line",
        field="line",
        codes=[line],
        already_used=[line],
        location="query",
    )
    if problems:
        raise ValidationFailed(problems)


def _zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def _totals(session: Session, scope: queries.Scope, settings: Settings) -> Totals:
    return kpi.totals(queries.figures_by_line(session, scope, settings)[0])


def _rows(
    codes: list[CodeBase] | list[tuple[str, str, str]],
    counts: dict[str | None, int],
    classified: int,
    unclassified: int,
) -> list[BreakdownRow]:
    rows = []
    for entry in codes:
        code, label_da, label_en = (
            entry if isinstance(entry, tuple) else (entry.code, entry.label_da, entry.label_en)
        )
        count = counts.get(code, 0)
        rows.append(
            BreakdownRow(
                code=code,
                label_da=label_da,
                label_en=label_en,
                count=count,
                share=kpi.rate(count, classified),
            )
        )
    da, en = UNCLASSIFIED
    rows.append(BreakdownRow(code=None, label_da=da, label_en=en, count=unclassified, share=None))
    return rows


def _listed_codes(session: Session, list_name: str, counted: set[str]) -> list[CodeBase]:
    """Every active code, and retired ones that still have calls this week."""
    model = CODE_LISTS[list_name]
    codes = session.exec(select(model).order_by(model.sort_order, model.code)).all()
    return [code for code in codes if code.active or code.code in counted]


def _by_column(session: Session, scope: queries.Scope, name: str) -> list[BreakdownRow]:
    counts = queries.answered_counts_by(session, scope, getattr(Call, name))
    unclassified = counts.pop(None, 0)
    codes = _listed_codes(session, name, set(counts))
    return _rows(codes, counts, sum(counts.values()), unclassified)


def _by_link(
    session: Session,
    scope: queries.Scope,
    link: type[CallIssueCategory | CallAdvice],
    answered: int,
) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """Every code a call carries, and only its first one."""
    carrying, first, classified = queries.answered_counts_by_link(session, scope, link)
    list_name = "issue_category" if link is CallIssueCategory else "advice_type"
    unclassified = answered - classified
    # A retired code is listed only where it still has calls.
    listed = _listed_codes(session, list_name, set(carrying))
    listed_first = [c for c in listed if c.active or first.get(c.code)]
    return (
        _rows(listed, carrying, classified, unclassified),
        _rows(listed_first, first, classified, unclassified),
    )


def _by_workplace_size(session: Session, scope: queries.Scope) -> list[BreakdownRow]:
    counts = queries.answered_counts_by(session, scope, Call.workplace_size)
    unclassified = counts.pop(None, 0)
    sizes = [(size.value, *WORKPLACE_SIZE_LABELS[size]) for size in WorkplaceSize]
    return _rows(sizes, counts, sum(counts.values()), unclassified)


def _by_adviser(session: Session, scope: queries.Scope, *, now: datetime) -> list[AdviserFigures]:
    figures = []
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
        figures.append(
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
    return sorted(figures, key=lambda f: (f.name, str(f.adviser_id)))


def _arrivals_grid(
    session: Session, scope: queries.Scope, settings: Settings
) -> list[list[int | None]]:
    slots = local_hour_slots(scope.start, scope.end, settings.timezone)
    grid: list[list[int | None]] = [[0] * 24 for _ in range(7)]
    for hour, count in queries.arrivals_by_hour(session, scope).items():
        weekday, local_hour = slots[hour]
        grid[weekday - 1][local_hour] += count
    return grid


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


def _lines(session: Session) -> list[str]:
    return list(session.exec(select(Line.code).order_by(Line.sort_order)).all())


def _week_counts(
    session: Session,
    start: datetime,
    end: datetime,
    lines: list[str],
    settings: Settings,
    *,
    whole: bool = False,
    called_back: bool = False,
    figures: tuple | None = None,
) -> disclosure.Week:
    """The week's counts in every scope, for disclosure control: the totals, and with
    `whole` the breakdowns, stress reports and arrivals that the weekly report shows too.
    `figures`: what `queries.figures_by_line` gave for all lines, if already at hand.
    """
    every = queries.Scope(start=start, end=end, line=None)
    overall, per_line = figures or queries.figures_by_line(session, every, settings)
    raw = {disclosure.ALL: overall} | {
        line: per_line.get(line) or queries.empty_figures() for line in lines
    }
    names = (*disclosure.OUTCOMES, "callbacks_requested", "callbacks_completed", "transfers")
    names += ("within", "abandoned_late", "handled")
    totals = {}
    for scope_name, figures in raw.items():
        counts = {name: int(figures[name] or 0) for name in names}
        counts["waiting"] = counts["received"] - sum(
            counts[name] for name in disclosure.OUTCOMES[1:]
        )
        counts |= {"closed": 0, "stress_reported": 0}
        totals[scope_name] = counts
    if called_back:
        for scope_name, n in queries.called_back_by_line(session, every).items():
            totals[scope_name]["called_back"] = n
    if not whole:
        return disclosure.Week(lines=tuple(lines), totals=totals)
    breakdowns: dict[str, dict[str, dict]] = {name: {} for name in publishable_report.BREAKDOWNS}
    arrivals = {}
    for scope_name in totals:
        line = None if scope_name == disclosure.ALL else scope_name
        scope = queries.Scope(start=start, end=end, line=line)
        reported, closed = queries.stress_reported(session, scope)
        totals[scope_name] |= {"closed": closed, "stress_reported": reported}
        answered = totals[scope_name]["answered"]
        categories, primary = _by_link(session, scope, CallIssueCategory, answered)
        advice, _ = _by_link(session, scope, CallAdvice, answered)
        rows = {
            "by_caller_type": _by_column(session, scope, "caller_type"),
            "by_sector": _by_column(session, scope, "sector"),
            "by_issue_category": categories,
            "primary_issue_category": primary,
            "by_advice_type": advice,
            "by_workplace_size": _by_workplace_size(session, scope),
        }
        for name, found in rows.items():
            breakdowns[name][scope_name] = {row.code: row.count or 0 for row in found}
        grid = _arrivals_grid(session, scope, settings)
        arrivals[scope_name] = {
            (weekday, hour): count or 0
            for weekday, hours in enumerate(grid, start=1)
            for hour, count in enumerate(hours)
        }
    return disclosure.Week(
        lines=tuple(lines), totals=totals, breakdowns=breakdowns, arrivals=arrivals
    )
