"""The reports' SQL besides the totals (`figure_sql`): breakdowns, stress reports, arrivals,
the advisers' weeks and the abandoned calls, each aggregated in the database.

Each query is bounded by the week's UTC start and end on an indexed timestamp, so a report
reads the week, not the table, however many older weeks pile up.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col

from service.advisers.models import Adviser, PresenceEvent
from service.calls.journal import CallEvent, EventType
from service.calls.lifecycle import CallStatus
from service.calls.models import Call, CallAdvice, CallIssueCategory, Direction
from service.db import UTCDateTime, earlier_of, later_of, seconds_between, whole_hours_between
from service.reports.figure_sql import Scope, flag

__all__ = ["Scope"]


def answered_counts_by(
    session: Session, scope: Scope, column: Mapped[Any]
) -> dict[str | None, int]:
    """Answered calls of the week per value of one of the call's own columns."""
    rows = session.execute(
        sa.select(column, sa.func.count())
        .where(*scope.conditions(), col(Call.answered_at).is_not(None))
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
    codes = sa.select(col(link.code), col(link.position)).where(col(link.call_id) == col(Call.id))
    if session.get_bind().dialect.name == "postgresql":
        # Each call's few codes by its key. Joined plainly, PostgreSQL's default costs pick
        # a scan of every code row ever stored (in parallel, 10x slower at 1M calls);
        # OFFSET 0 keeps the lateral subquery from being turned back into that join.
        lateral = codes.offset(0).lateral("codes")
        query = (
            sa.select(lateral.c.code, lateral.c.position).select_from(Call).join(lateral, sa.true())
        )
    else:
        query = sa.select(col(link.code), col(link.position)).join(
            Call, col(Call.id) == col(link.call_id)
        )
    carried = query.where(*scope.conditions(), col(Call.answered_at).is_not(None)).subquery()
    rows = session.execute(
        sa.select(
            carried.c.code, sa.func.count(), sa.func.sum(flag(carried.c.position == 0))
        ).group_by(carried.c.code)
    ).all()
    carrying = {code: n for code, n, _ in rows}
    first = {code: int(n_first or 0) for code, _, n_first in rows}
    return carrying, first, sum(first.values())


def stress_reported(session: Session, scope: Scope) -> tuple[int, int]:
    """Closed calls of the week where the caller reported stress symptoms, and all closed."""
    reported, closed = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(flag(col(Call.stress_reported).is_(True))), 0),
            sa.func.count(),
        ).where(*scope.conditions(), col(Call.status) == CallStatus.closed)
    ).one()
    return reported, closed


def arrivals_by_hour(session: Session, scope: Scope) -> dict[int, int]:
    """Calls received per whole hour since the week's start (0 to 168)."""
    hour = whole_hours_between(sa.literal(scope.start, UTCDateTime()), col(Call.received_at))
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
    line_only = [] if scope.line is None else [col(CallEvent.line) == scope.line]
    missed = session.execute(
        sa.select(col(CallEvent.adviser_id), sa.func.count())
        .where(
            col(CallEvent.type) == EventType.timed_out,
            col(CallEvent.at) >= scope.start,
            col(CallEvent.at) < scope.end,
            col(CallEvent.adviser_id).is_not(None),
            *line_only,
        )
        .group_by(col(CallEvent.adviser_id))
    ).all()
    legs = _leg_figures(session, scope, until=until)
    calls = _calls_answered(session, scope)
    presence = _presence_seconds(session, scope, until=until)

    ids = {a for a, _ in missed} | {row.adviser_id for row in legs} | set(calls)
    if scope.line is None:
        ids |= set(presence)
    rows = session.execute(
        sa.select(col(Adviser.id), col(Adviser.name)).where(col(Adviser.id).in_(ids))
    )
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


def _seconds_within(
    start: sa.ColumnElement[Any], end: sa.ColumnElement[Any], limit: sa.ColumnElement[Any]
) -> sa.Case[float]:
    """Seconds from `start` to a later `end`, cut at `limit`; 0 if `start` is not before it."""
    return sa.case((start < limit, seconds_between(start, earlier_of(end, limit))), else_=0.0)


def _leg_figures(session: Session, scope: Scope, *, until: datetime) -> list[sa.Row[Any]]:
    """Per adviser, the legs accepted in the week (on the line): count, callbacks, times.

    A leg runs from an `accepted` to the `transferred` or `ended` next in the call's
    journal (by time, then id), found by one lookup per leg on (call_id, at); the leg that
    ends the call has the wrap-up, to `closed`. On-call and wrap-up time are cut at the
    week's end and at `until`; the handle time of a leg is whole, as aht_s has it.
    """
    accepted, later = aliased(CallEvent, name="accepted"), aliased(CallEvent, name="later")
    next_close = (
        sa.select(col(later.id))
        .where(
            col(later.call_id) == col(accepted.call_id),
            col(later.type).in_([EventType.transferred, EventType.ended]),
            col(later.at) >= col(accepted.at),
            sa.or_(col(later.at) > col(accepted.at), col(later.id) > col(accepted.id)),
        )
        # By time alone, as the index has it: two legs are not closed in one microsecond.
        .order_by(col(later.at))
        .limit(1)
        .correlate(accepted)
        .scalar_subquery()
    )
    conditions = [
        col(accepted.type) == EventType.accepted,
        col(accepted.at) >= scope.start,
        col(accepted.at) < scope.end,
        col(accepted.adviser_id).is_not(None),
    ]
    if scope.line is not None:
        conditions.append(col(accepted.line) == scope.line)
    # OFFSET 0 keeps each layer's lookups to one per leg, as in `_week_calls`.
    found = (
        sa.select(
            col(accepted.adviser_id),
            col(accepted.call_id),
            col(accepted.at).label("accepted_at"),
            next_close.label("close_id"),
        )
        .where(*conditions)
        .offset(0)
        .subquery("legs")
    )
    close, closed = aliased(CallEvent, name="close"), aliased(CallEvent, name="closed")
    ends_call = col(close.type) == EventType.ended
    closed_at = (
        sa.select(sa.func.max(col(closed.at)))
        .where(col(closed.call_id) == found.c.call_id, col(closed.type) == EventType.closed)
        .scalar_subquery()
    )
    legs = (
        sa.select(
            found.c.adviser_id,
            found.c.accepted_at,
            col(close.at).label("close_at"),
            flag(ends_call).label("ends_call"),
            flag(col(Call.direction) == Direction.outbound).label("outbound"),
            sa.case((ends_call, closed_at)).label("closed_at"),
            col(Call.closed_at).label("call_closed_at"),
        )
        .select_from(found)
        .join(Call, col(Call.id) == found.c.call_id)
        .outerjoin(close, col(close.id) == found.c.close_id)
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
                sa.func.sum(flag(handled)).label("handled"),
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
        sa.select(col(first.adviser_id))
        .where(col(first.call_id) == col(Call.id), col(first.type) == EventType.accepted)
        .order_by(col(first.at), col(first.id))
        .limit(1)
        .scalar_subquery()
    )
    answerers = (
        sa.select(sa.func.coalesce(first_accepter, col(Call.adviser_id)).label("adviser_id"))
        .where(*scope.conditions(), col(Call.answered_at).is_not(None))
        .offset(0)
        .subquery("answerers")
    )
    rows = session.execute(
        sa.select(answerers.c.adviser_id, sa.func.count())
        .where(answerers.c.adviser_id.is_not(None))
        .group_by(answerers.c.adviser_id)
    ).all()
    return {adviser_id: n for adviser_id, n in rows}


def _presence_segments(
    scope: Scope, *, until: datetime
) -> tuple[sa.Subquery, sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """Each adviser's presences that overlap the week (adviser_id, presence, at, next_at;
    next_at null: still in it), and the week's start and end (cut at `until`) as SQL."""
    start = sa.literal(scope.start, UTCDateTime())
    end = sa.literal(min(scope.end, max(until, scope.start)), UTCDateTime())
    # The state each adviser was in when the week began, and every change during it. The
    # last change before the week is looked up adviser by adviser on (adviser_id, at): a
    # max() over all earlier changes would read the whole history, every week.
    earlier = aliased(PresenceEvent)
    last_before = (
        sa.select(sa.func.max(col(earlier.at)))
        .where(col(earlier.adviser_id) == col(Adviser.id), col(earlier.at) < scope.start)
        .correlate(Adviser)
        .scalar_subquery()
    )
    carried_in = (
        sa.select(
            col(PresenceEvent.id),
            col(PresenceEvent.adviser_id),
            col(PresenceEvent.presence),
            col(PresenceEvent.at),
        )
        .select_from(Adviser)
        .join(
            PresenceEvent,
            sa.and_(
                col(PresenceEvent.adviser_id) == col(Adviser.id),
                col(PresenceEvent.at) == last_before,
            ),
        )
    )
    during = sa.select(
        col(PresenceEvent.id),
        col(PresenceEvent.adviser_id),
        col(PresenceEvent.presence),
        col(PresenceEvent.at),
    ).where(col(PresenceEvent.at) >= scope.start, col(PresenceEvent.at) < scope.end)
    changes = sa.union_all(carried_in, during).subquery()
    segments = sa.select(
        changes.c.adviser_id,
        changes.c.presence,
        changes.c.at,
        sa.func.lead(changes.c.at)
        .over(partition_by=changes.c.adviser_id, order_by=(changes.c.at, changes.c.id))
        .label("next_at"),
    ).subquery()
    return segments, start, end


def _presence_seconds(
    session: Session, scope: Scope, *, until: datetime
) -> dict[uuid.UUID, dict[str, float]]:
    """Seconds each adviser spent in each presence within the week (up to `until`)."""
    segments, start, end = _presence_segments(scope, until=until)
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


# The presences in which an adviser counts as logged in, as the advisers' `logged_in_s` does.
LOGGED_IN = ("available", "offered", "on_call", "wrap_up")


def logged_in_by_hour(session: Session, scope: Scope, *, until: datetime) -> dict[int, float]:
    """Seconds the advisers were logged in, all together, per whole hour since the week's
    start (0 to 168), up to `until`; ÷ 3600, how many were logged in on average.

    Presence is the desk's, not a line's: `scope.line` is not used.
    """
    segments, start, end = _presence_segments(scope, until=until)
    cut = min(scope.end, max(until, scope.start))
    count = -(-(cut - scope.start) // timedelta(hours=1))
    if count == 0:
        return {}
    # Each logged-in segment, cut to the week, as seconds and whole hours since its start.
    # Joining the segments to the week's hours compared every segment with every hour (a
    # million pairs of timestamps for 6,000 segments: 0.3 s on SQLite), so instead each
    # segment gives two rows, at the hour it begins in and the hour it ends in: the seconds
    # of those hours it leaves out or covers, and +1/-1 hour that a running sum over the
    # hours spreads over every hour from the first to the one before the last.
    begins = later_of(segments.c.at, start)
    ends = earlier_of(sa.func.coalesce(segments.c.next_at, end), end)
    logged_in = (
        sa.select(
            seconds_between(start, begins).label("begin_s"),
            seconds_between(start, ends).label("end_s"),
            whole_hours_between(start, begins).label("begin_h"),
            whole_hours_between(start, ends).label("end_h"),
        )
        .where(
            segments.c.presence.in_(LOGGED_IN),
            segments.c.at < end,
            sa.func.coalesce(segments.c.next_at, end) > start,
        )
        # A CTE read by both rows of a segment is computed once (materialized).
        .cte("logged_in")
    )
    edges = sa.union_all(
        sa.select(
            logged_in.c.begin_h.label("n"),
            (logged_in.c.begin_h * 3600 - logged_in.c.begin_s).label("part_s"),
            sa.literal(3600, sa.Integer()).label("whole_s"),
        ),
        sa.select(
            logged_in.c.end_h,
            logged_in.c.end_s - logged_in.c.end_h * 3600,
            sa.literal(-3600, sa.Integer()),
        ),
    ).subquery()
    per_hour = (
        sa.select(
            edges.c.n,
            sa.func.sum(edges.c.part_s).label("part_s"),
            sa.func.sum(edges.c.whole_s).label("whole_s"),
        )
        .group_by(edges.c.n)
        .subquery()
    )
    hours = sa.select(sa.literal(0, sa.Integer()).label("n")).cte("hours", recursive=True)
    hours = hours.union_all(sa.select(hours.c.n + 1).where(hours.c.n + 1 < count))
    rows = session.execute(
        sa.select(
            hours.c.n,
            sa.func.coalesce(per_hour.c.part_s, 0)
            + sa.func.coalesce(sa.func.sum(per_hour.c.whole_s).over(order_by=hours.c.n), 0),
        )
        .select_from(hours)
        .outerjoin(per_hour, per_hour.c.n == hours.c.n)
    ).all()
    return {int(n): max(float(total or 0.0), 0.0) for n, total in rows}


def abandoned_calls(session: Session, scope: Scope) -> list[sa.Row[Any]]:
    """The week's calls whose caller hung up while waiting, oldest first."""
    callback = aliased(Call)
    callback_status = (
        sa.select(sa.func.max(flag(col(callback.status) == CallStatus.closed)))
        .where(col(callback.origin_call_id) == col(Call.id))
        .scalar_subquery()
    )
    return list(
        session.execute(
            sa.select(
                col(Call.id),
                col(Call.received_at),
                col(Call.ended_at),
                col(Call.line),
                seconds_between(col(Call.received_at), col(Call.ended_at)).label("wait"),
                callback_status.label("callback"),
            )
            .where(
                *scope.conditions(),
                col(Call.answered_at).is_(None),
                col(Call.ended_at).is_not(None),
            )
            .order_by(col(Call.received_at), col(Call.id))
        ).all()
    )


def called_back_by_line(session: Session, scope: Scope) -> dict[str, int]:
    """Per line and for all lines, the week's hung-up calls whose callback was completed."""
    callback = aliased(Call)
    completed = sa.exists().where(
        col(callback.origin_call_id) == col(Call.id), col(callback.status) == CallStatus.closed
    )
    rows = session.execute(
        sa.select(col(Call.line), sa.func.count())
        .where(
            *scope.conditions(),
            col(Call.answered_at).is_(None),
            col(Call.ended_at).is_not(None),
            completed,
        )
        .group_by(col(Call.line))
    ).all()
    by_line = {line: n for line, n in rows}
    return {"all": sum(by_line.values())} | by_line
