"""The reports' SQL: every figure is aggregated in the database, over one week's rows.

Each query is bounded by the week's UTC start and end on an indexed timestamp, so a report
reads the week, not the table, however many older weeks pile up.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from service.advisers.models import Adviser, PresenceEvent
from service.calls.models import Call, CallAdvice, CallIssueCategory, CallStatus, Direction
from service.config import Settings
from service.db import UTCDateTime, earlier_of, later_of, seconds_between, whole_hours_between
from service.routing.models import CallEvent, EventType


@dataclass(frozen=True)
class Scope:
    """Which calls a report is about: inbound calls received in [start, end), on `line`."""

    start: datetime
    end: datetime
    line: str | None

    def conditions(self, call: type[Call] = Call) -> list[sa.ColumnElement[bool]]:
        conditions = [
            call.direction == Direction.inbound,
            call.received_at >= self.start,
            call.received_at < self.end,
        ]
        if self.line is not None:
            conditions.append(call.line == self.line)
        return conditions


def _flag(condition: sa.ColumnElement[bool]) -> sa.Case:
    return sa.case((condition, 1), else_=0)


def _journal_handle() -> sa.ScalarSelect:
    """A call's handle time from its journal (NULL without one), for a call that has ended.

    The advisers' legs, each from an `accepted` to the `transferred` or `ended` after it
    (hold is inside the leg), and the wrap-up from `ended` to `closed` where the desk
    measured it (closed through POST /close). Once a call has ended every accept has its
    transfer or end, so the legs are the sum of those times less the sum of the accepts:
    no pairing, one lookup per call on (call_id, at). The waits between a transfer and
    the next accept, in a queue, are in no leg. The end and the close are the call's own
    ended_at and closed_at, as the desk sets them with the events: the last leg ends at
    ended_at and its wrap-up at closed_at, so with a measured wrap-up the legs and it run
    to closed_at. A call whose every leg ended in a transfer was hung up in a queue.
    """
    at = seconds_between(Call.answered_at, CallEvent.at)
    accepted, transferred = (
        CallEvent.type == EventType.accepted,
        CallEvent.type == EventType.transferred,
    )
    legs = sa.func.sum(sa.case((accepted, -at), (transferred, at), else_=0.0))
    ended_by_adviser = sa.func.sum(_flag(accepted)) > sa.func.sum(_flag(transferred))
    closed_live = sa.func.max(_flag(CallEvent.type == EventType.closed)) == 1
    last = sa.case(
        (sa.and_(ended_by_adviser, closed_live), seconds_between(Call.answered_at, Call.closed_at)),
        (ended_by_adviser, seconds_between(Call.answered_at, Call.ended_at)),
        else_=0.0,
    )
    types = [EventType.accepted, EventType.transferred, EventType.closed]
    return (
        sa.select(legs + last)
        .where(CallEvent.call_id == Call.id, CallEvent.type.in_(types))
        .scalar_subquery()
    )


@lru_cache(maxsize=1)
def _call_figures() -> dict[str, sa.ColumnElement]:
    """What the reports need of each call, by name: flags, and times in seconds.

    Built once: the expressions do not change, and building them took longer than some of
    the queries that use them.
    """
    wait = seconds_between(Call.received_at, sa.func.coalesce(Call.answered_at, Call.ended_at))
    # A call recorded after the fact has no journal: answered_at to ended_at, no wrap-up.
    handle = sa.case(
        (
            sa.and_(Call.answered_at.is_not(None), Call.ended_at.is_not(None)),
            sa.func.coalesce(_journal_handle(), seconds_between(Call.answered_at, Call.ended_at)),
        )
    )
    callback = aliased(Call)
    # A callback is requested when the call is closed with the request (not while drafting).
    requested = sa.and_(Call.callback_requested.is_(True), Call.status == CallStatus.closed)
    completed = sa.exists().where(
        callback.origin_call_id == Call.id, callback.status == CallStatus.closed
    )
    # One lookup per call on (call_id, type): cheaper than joining the week to the journal,
    # which the planner may start from every transfer ever made.
    transfers = (
        sa.select(sa.func.count())
        .where(CallEvent.call_id == Call.id, CallEvent.type == EventType.transferred)
        .scalar_subquery()
    )
    return {
        "id": Call.id,
        "line": Call.line,
        "adviser_id": Call.adviser_id,
        "answered": _flag(Call.answered_at.is_not(None)),
        "hung_up": _flag(sa.and_(Call.answered_at.is_(None), Call.ended_at.is_not(None))),
        "wait": wait,
        "handle": handle,
        "callback_requested": _flag(requested),
        "callback_completed": _flag(sa.and_(requested, completed)),
        "transfers": transfers,
    }


def _week_calls(scope: Scope, *names: str) -> sa.Subquery:
    """One row per call of the week, with the figures named (see `_call_figures`).

    Only the figures a query uses are computed, each once per call: merged into the query
    that uses it, as databases do with a plain subquery, the journal lookups behind
    `handle` would run again at every use of it; OFFSET 0 keeps the subquery apart.
    """
    figures = _call_figures()
    columns = [figures[name].label(name) for name in names]
    return sa.select(*columns).where(*scope.conditions()).offset(0).subquery("week_calls")


ADDITIVE = (
    "received",
    "answered",
    "abandoned",
    "short_abandoned",
    "within",
    "abandoned_late",
    "wait_sum",
    "handled",
    "handle_sum",
    "callbacks_requested",
    "callbacks_completed",
    "transfers",
)


def figures_by_line(
    session: Session, scope: Scope, settings: Settings
) -> tuple[dict[str, float | None], dict[str, dict[str, float | None]]]:
    """The raw figures of the totals, for the whole scope and for each line, in 2 queries.

    Counts and sums add up across lines; only the percentile needs its own query.
    """
    w = _week_calls(scope, *(name for name in _call_figures() if name not in {"id", "adviser_id"}))
    answered = w.c.answered == 1
    hung_up = w.c.hung_up == 1
    short, threshold = settings.short_abandon_s, settings.service_level_threshold_s
    handled = sa.and_(answered, w.c.handle.is_not(None))
    rows = session.execute(
        sa.select(
            w.c.line,
            sa.func.count().label("received"),
            sa.func.sum(w.c.answered).label("answered"),
            sa.func.sum(_flag(sa.and_(hung_up, w.c.wait > short))).label("abandoned"),
            sa.func.sum(_flag(sa.and_(hung_up, w.c.wait <= short))).label("short_abandoned"),
            sa.func.sum(_flag(sa.and_(answered, w.c.wait <= threshold))).label("within"),
            sa.func.sum(_flag(sa.and_(hung_up, w.c.wait > threshold))).label("abandoned_late"),
            sa.func.sum(sa.case((answered, w.c.wait), else_=0.0)).label("wait_sum"),
            sa.func.sum(_flag(handled)).label("handled"),
            sa.func.sum(sa.case((handled, w.c.handle), else_=0.0)).label("handle_sum"),
            sa.func.sum(w.c.callback_requested).label("callbacks_requested"),
            sa.func.sum(w.c.callback_completed).label("callbacks_completed"),
            sa.func.sum(w.c.transfers).label("transfers"),
        ).group_by(w.c.line)
    ).all()
    by_line = {row.line: {name: getattr(row, name) for name in ADDITIVE} for row in rows}
    for figures in by_line.values():
        figures["wait_p90_s"] = None  # a line whose callers all hung up has no percentile
    per_line_p90, overall_p90 = _p90_waits(session, _week_calls(scope, "line", "answered", "wait"))
    for line, p90 in per_line_p90.items():
        by_line[line]["wait_p90_s"] = p90
    overall: dict[str, float | None] = {
        name: sum(figures[name] for figures in by_line.values()) for name in ADDITIVE
    }
    overall["wait_p90_s"] = overall_p90
    return overall, by_line


def empty_figures() -> dict[str, float | None]:
    """The raw figures of a scope without calls."""
    return dict.fromkeys(ADDITIVE, 0) | {"wait_p90_s": None}


def _p90_waits(session: Session, w: sa.Subquery) -> tuple[dict[str, float], float | None]:
    """The 90th percentile (nearest rank) of answered calls' waits, per line and overall.

    One pass ranks each wait within its line and within all lines; the percentile is the
    smallest wait whose rank reaches 90 % of its group: the first rank >= 0.9 n.
    """
    ranked = (
        sa.select(
            w.c.line,
            w.c.wait,
            sa.func.row_number().over(partition_by=w.c.line, order_by=w.c.wait).label("rank"),
            sa.func.count().over(partition_by=w.c.line).label("n"),
            sa.func.row_number().over(order_by=w.c.wait).label("rank_all"),
            sa.func.count().over().label("n_all"),
        )
        .where(w.c.answered == 1)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            ranked.c.line,
            sa.func.min(sa.case((ranked.c.rank * 10 >= ranked.c.n * 9, ranked.c.wait))),
            sa.func.min(sa.case((ranked.c.rank_all * 10 >= ranked.c.n_all * 9, ranked.c.wait))),
        ).group_by(ranked.c.line)
    ).all()
    overall = [p90 for _, _, p90 in rows if p90 is not None]
    return {line: p90 for line, p90, _ in rows}, min(overall, default=None)


def answered_counts_by(session: Session, scope: Scope, column: sa.Column) -> dict[str | None, int]:
    """Answered calls of the week per value of one of the call's own columns."""
    rows = session.execute(
        sa.select(column, sa.func.count())
        .where(*scope.conditions(), Call.answered_at.is_not(None))
        .group_by(column)
    ).all()
    return {code: n for code, n in rows}


def answered_counts_by_link(
    session: Session, scope: Scope, link: type[CallIssueCategory | CallAdvice]
) -> tuple[dict[str, int], dict[str, int], int]:
    """Per code, answered calls that carry it, and that carry it first; and how many carry any.

    Positions run from 0 on every call, so the calls with any code are those with a code at
    position 0: one grouped query gives both breakdowns and their denominator.
    """
    codes = sa.select(link.code, link.position).where(link.call_id == Call.id)
    if session.get_bind().dialect.name == "postgresql":
        # Each call's few codes by its key. Joined plainly, PostgreSQL's default costs pick
        # a scan of every code row ever stored (in parallel, 10x slower at 1M calls);
        # OFFSET 0 keeps the lateral subquery from being turned back into that join.
        codes = codes.offset(0).lateral("codes")
        query = sa.select(codes.c.code, codes.c.position).select_from(Call).join(codes, sa.true())
    else:
        query = sa.select(link.code, link.position).join(Call, Call.id == link.call_id)
    carried = query.where(*scope.conditions(), Call.answered_at.is_not(None)).subquery()
    rows = session.execute(
        sa.select(
            carried.c.code, sa.func.count(), sa.func.sum(_flag(carried.c.position == 0))
        ).group_by(carried.c.code)
    ).all()
    carrying = {code: n for code, n, _ in rows}
    first = {code: int(n_first or 0) for code, _, n_first in rows}
    return carrying, first, sum(first.values())


def stress_reported(session: Session, scope: Scope) -> tuple[int, int]:
    """Closed calls of the week where the caller reported stress symptoms, and all closed."""
    reported, closed = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(_flag(Call.stress_reported.is_(True))), 0),
            sa.func.count(),
        ).where(*scope.conditions(), Call.status == CallStatus.closed)
    ).one()
    return reported, closed


def arrivals_by_hour(session: Session, scope: Scope) -> dict[int, int]:
    """Calls received per whole hour since the week's start (0 to 168)."""
    hour = whole_hours_between(sa.literal(scope.start, UTCDateTime()), Call.received_at)
    rows = session.execute(
        sa.select(hour, sa.func.count()).where(*scope.conditions()).group_by(hour)
    ).all()
    return {int(h): n for h, n in rows}


@dataclass
class AdviserWeek:
    """One adviser's raw figures of a week; see `adviser_weeks`."""

    adviser_id: uuid.UUID
    name: str
    calls_answered: int = 0
    legs_answered: int = 0
    callbacks_answered: int = 0
    legs_handled: int = 0
    handle_sum: float = 0.0
    offers_missed: int = 0
    on_call_s: float = 0.0
    wrap_up_s: float = 0.0
    seconds_in: dict[str, float] | None = None

    @property
    def mean_handle_s(self) -> float | None:
        return self.handle_sum / self.legs_handled if self.legs_handled else None


def adviser_weeks(
    session: Session, scope: Scope, *, until: datetime
) -> dict[uuid.UUID, AdviserWeek]:
    """Each adviser's calls and legs answered, handle and on-call time, missed offers, presence.

    With a line, everything but the presence is of that line: a leg (and its wrap-up, and
    a missed offer) on the line its journal event was on, a call on the line it ended on,
    as the totals count it. Presence is not per line: it is the desk's, and only advisers
    with a figure of the line are listed.
    """
    line_only = [] if scope.line is None else [CallEvent.line == scope.line]
    missed = session.execute(
        sa.select(CallEvent.adviser_id, sa.func.count())
        .where(
            CallEvent.type == EventType.timed_out,
            CallEvent.at >= scope.start,
            CallEvent.at < scope.end,
            CallEvent.adviser_id.is_not(None),
            *line_only,
        )
        .group_by(CallEvent.adviser_id)
    ).all()
    legs = _leg_figures(session, scope, until=until)
    calls = _calls_answered(session, scope)
    presence = _presence_seconds(session, scope, until=until)

    ids = {a for a, _ in missed} | {row.adviser_id for row in legs} | set(calls)
    if scope.line is None:
        ids |= set(presence)
    rows = session.execute(sa.select(Adviser.id, Adviser.name).where(Adviser.id.in_(ids)))
    names = {adviser_id: name for adviser_id, name in rows}
    weeks = {a: AdviserWeek(adviser_id=a, name=names[a], seconds_in={}) for a in ids}
    for adviser_id, n in missed:
        weeks[adviser_id].offers_missed = n
    for row in legs:
        week = weeks[row.adviser_id]
        week.legs_answered, week.callbacks_answered = row.legs, int(row.callbacks or 0)
        week.legs_handled, week.handle_sum = int(row.handled or 0), float(row.handle or 0.0)
        week.on_call_s = max(float(row.on_call or 0.0), 0.0)
        week.wrap_up_s = max(float(row.wrap_up or 0.0), 0.0)
    for adviser_id, n in calls.items():
        weeks[adviser_id].calls_answered = n
    for adviser_id, seconds in presence.items():
        if adviser_id in weeks:
            weeks[adviser_id].seconds_in = seconds
    return weeks


def _seconds_within(start: sa.ColumnElement, end: sa.ColumnElement, limit: sa.ColumnElement):
    """Seconds from `start` to a later `end`, cut at `limit`; 0 if `start` is not before it."""
    return sa.case((start < limit, seconds_between(start, earlier_of(end, limit))), else_=0.0)


def _leg_figures(session: Session, scope: Scope, *, until: datetime) -> list[sa.Row]:
    """Per adviser, the legs accepted in the week (on the line): count, callbacks, times.

    A leg runs from an `accepted` to the `transferred` or `ended` next in the call's
    journal (by time, then id), found by one lookup per leg on (call_id, at); the leg that
    ends the call has the wrap-up, to `closed`. On-call and wrap-up time are cut at the
    week's end and at `until`; the handle time of a leg is whole, as aht_s has it.
    """
    accepted, later = aliased(CallEvent, name="accepted"), aliased(CallEvent, name="later")
    next_close = (
        sa.select(later.id)
        .where(
            later.call_id == accepted.call_id,
            later.type.in_([EventType.transferred, EventType.ended]),
            later.at >= accepted.at,
            sa.or_(later.at > accepted.at, later.id > accepted.id),
        )
        # By time alone, as the index has it: two legs are not closed in one microsecond.
        .order_by(later.at)
        .limit(1)
        .correlate(accepted)
        .scalar_subquery()
    )
    conditions = [
        accepted.type == EventType.accepted,
        accepted.at >= scope.start,
        accepted.at < scope.end,
        accepted.adviser_id.is_not(None),
    ]
    if scope.line is not None:
        conditions.append(accepted.line == scope.line)
    # OFFSET 0 keeps each layer's lookups to one per leg, as in `_week_calls`.
    found = (
        sa.select(
            accepted.adviser_id,
            accepted.call_id,
            accepted.at.label("accepted_at"),
            next_close.label("close_id"),
        )
        .where(*conditions)
        .offset(0)
        .subquery("legs")
    )
    close, closed = aliased(CallEvent, name="close"), aliased(CallEvent, name="closed")
    ends_call = close.type == EventType.ended
    closed_at = (
        sa.select(sa.func.max(closed.at))
        .where(closed.call_id == found.c.call_id, closed.type == EventType.closed)
        .scalar_subquery()
    )
    legs = (
        sa.select(
            found.c.adviser_id,
            found.c.accepted_at,
            close.at.label("close_at"),
            _flag(ends_call).label("ends_call"),
            _flag(Call.direction == Direction.outbound).label("outbound"),
            sa.case((ends_call, closed_at)).label("closed_at"),
            Call.closed_at.label("call_closed_at"),
        )
        .select_from(found)
        .join(Call, Call.id == found.c.call_id)
        .outerjoin(close, close.id == found.c.close_id)
        .offset(0)
        .subquery("leg_times")
    )
    limit = sa.literal(min(scope.end, max(until, scope.start)), UTCDateTime())
    ended = legs.c.ends_call == 1
    handled = sa.and_(legs.c.close_at.is_not(None), legs.c.outbound == 0)
    # The leg, and its wrap-up where the desk measured it: to the close, else to the end.
    handled_until = sa.case(
        (sa.and_(ended, legs.c.closed_at.is_not(None)), legs.c.closed_at), else_=legs.c.close_at
    )
    wrap_up_end = sa.func.coalesce(legs.c.closed_at, legs.c.call_closed_at, limit)
    return list(
        session.execute(
            sa.select(
                legs.c.adviser_id,
                sa.func.count().label("legs"),
                sa.func.sum(legs.c.outbound).label("callbacks"),
                sa.func.sum(_flag(handled)).label("handled"),
                sa.func.sum(
                    sa.case(
                        (handled, seconds_between(legs.c.accepted_at, handled_until)), else_=0.0
                    )
                ).label("handle"),
                sa.func.sum(
                    _seconds_within(
                        legs.c.accepted_at, sa.func.coalesce(legs.c.close_at, limit), limit
                    )
                ).label("on_call"),
                sa.func.sum(
                    sa.case(
                        (ended, _seconds_within(legs.c.close_at, wrap_up_end, limit)), else_=0.0
                    )
                ).label("wrap_up"),
            ).group_by(legs.c.adviser_id)
        ).all()
    )


def _calls_answered(session: Session, scope: Scope) -> dict[uuid.UUID, int]:
    """The scope's answered calls per adviser who answered first (one lookup per call).

    A call recorded after the fact has no journal: it goes to the adviser recorded on it,
    and nowhere if none is.
    """
    first = aliased(CallEvent, name="first")
    first_accepter = (
        sa.select(first.adviser_id)
        .where(first.call_id == Call.id, first.type == EventType.accepted)
        .order_by(first.at, first.id)
        .limit(1)
        .scalar_subquery()
    )
    answerers = (
        sa.select(sa.func.coalesce(first_accepter, Call.adviser_id).label("adviser_id"))
        .where(*scope.conditions(), Call.answered_at.is_not(None))
        .offset(0)
        .subquery("answerers")
    )
    rows = session.execute(
        sa.select(answerers.c.adviser_id, sa.func.count())
        .where(answerers.c.adviser_id.is_not(None))
        .group_by(answerers.c.adviser_id)
    ).all()
    return {adviser_id: n for adviser_id, n in rows}


def _presence_seconds(
    session: Session, scope: Scope, *, until: datetime
) -> dict[uuid.UUID, dict[str, float]]:
    """Seconds each adviser spent in each presence within the week (up to `until`)."""
    start = sa.literal(scope.start, UTCDateTime())
    end = sa.literal(min(scope.end, max(until, scope.start)), UTCDateTime())
    # The state each adviser was in when the week began, and every change during it. The
    # last change before the week is looked up adviser by adviser on (adviser_id, at): a
    # max() over all earlier changes would read the whole history, every week.
    earlier = aliased(PresenceEvent)
    last_before = (
        sa.select(sa.func.max(earlier.at))
        .where(earlier.adviser_id == Adviser.id, earlier.at < scope.start)
        .correlate(Adviser)
        .scalar_subquery()
    )
    carried_in = (
        sa.select(
            PresenceEvent.id, PresenceEvent.adviser_id, PresenceEvent.presence, PresenceEvent.at
        )
        .select_from(Adviser)
        .join(
            PresenceEvent,
            sa.and_(PresenceEvent.adviser_id == Adviser.id, PresenceEvent.at == last_before),
        )
    )
    during = sa.select(
        PresenceEvent.id, PresenceEvent.adviser_id, PresenceEvent.presence, PresenceEvent.at
    ).where(PresenceEvent.at >= scope.start, PresenceEvent.at < scope.end)
    changes = sa.union_all(carried_in, during).subquery()
    segments = sa.select(
        changes.c.adviser_id,
        changes.c.presence,
        changes.c.at,
        sa.func.lead(changes.c.at)
        .over(partition_by=changes.c.adviser_id, order_by=(changes.c.at, changes.c.id))
        .label("next_at"),
    ).subquery()
    seconds = seconds_between(
        later_of(segments.c.at, start),
        earlier_of(sa.func.coalesce(segments.c.next_at, end), end),
    )
    rows = session.execute(
        sa.select(segments.c.adviser_id, segments.c.presence, sa.func.sum(seconds))
        .where(sa.func.coalesce(segments.c.next_at, end) > start, segments.c.at < end)
        .group_by(segments.c.adviser_id, segments.c.presence)
    ).all()
    result: dict[uuid.UUID, dict[str, float]] = {}
    for adviser_id, state, total in rows:
        result.setdefault(adviser_id, {})[state] = max(float(total or 0.0), 0.0)
    return result


def abandoned_calls(session: Session, scope: Scope) -> list[sa.Row]:
    """The week's calls whose caller hung up while waiting, oldest first."""
    callback = aliased(Call)
    callback_status = (
        sa.select(sa.func.max(_flag(callback.status == CallStatus.closed)))
        .where(callback.origin_call_id == Call.id)
        .scalar_subquery()
    )
    return list(
        session.execute(
            sa.select(
                Call.id,
                Call.received_at,
                Call.ended_at,
                Call.line,
                seconds_between(Call.received_at, Call.ended_at).label("wait"),
                callback_status.label("callback"),
            )
            .where(*scope.conditions(), Call.answered_at.is_(None), Call.ended_at.is_not(None))
            .order_by(Call.received_at, Call.id)
        ).all()
    )


def called_back_by_line(session: Session, scope: Scope) -> dict[str, int]:
    """Per line and for all lines, the week's hung-up calls whose callback was completed."""
    callback = aliased(Call)
    completed = sa.exists().where(
        callback.origin_call_id == Call.id, callback.status == CallStatus.closed
    )
    rows = session.execute(
        sa.select(Call.line, sa.func.count())
        .where(
            *scope.conditions(), Call.answered_at.is_(None), Call.ended_at.is_not(None), completed
        )
        .group_by(Call.line)
    ).all()
    by_line = {line: n for line, n in rows}
    return {"all": sum(by_line.values())} | by_line
