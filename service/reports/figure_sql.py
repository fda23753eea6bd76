"""The SQL of the registry's figures: the week's calls, one row each, and over them every raw
aggregate of `figures.RAW`, for the whole scope and for each line.

The registry names populations and per-call values; this module says what they are in the
database. A per-call value that is not one of `call_values()` is the call's own column of
that name (e.g. `hold_s`).

Each query is bounded by the week's UTC start and end on an indexed timestamp, so a report
reads the week, not the table, however many older weeks pile up.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from service.calls.journal import CallEvent, EventType
from service.calls.lifecycle import CallStatus
from service.calls.models import Call, Direction
from service.config import Settings
from service.db import seconds_between
from service.reports import figures

Columns = sa.ColumnCollection[str, sa.ColumnElement[Any]]
Raw = dict[str, float | None]


@dataclass(frozen=True)
class Scope:
    """Which calls a report is about: inbound calls received in [start, end), on `line`."""

    start: datetime
    end: datetime
    line: str | None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        conditions = [
            col(Call.direction) == Direction.inbound,
            col(Call.received_at) >= self.start,
            col(Call.received_at) < self.end,
        ]
        if self.line is not None:
            conditions.append(col(Call.line) == self.line)
        return conditions


def flag(condition: sa.ColumnElement[bool]) -> sa.Case[int]:
    """1 where `condition` holds, else 0: summed, a count."""
    return sa.case((condition, 1), else_=0)


def _journal_handle() -> sa.ScalarSelect[Any]:
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
    at = seconds_between(col(Call.answered_at), col(CallEvent.at))
    accepted = col(CallEvent.type) == EventType.accepted
    transferred = col(CallEvent.type) == EventType.transferred
    legs = sa.func.sum(sa.case((accepted, -at), (transferred, at), else_=0.0))
    ended_by_adviser = sa.func.sum(flag(accepted)) > sa.func.sum(flag(transferred))
    closed_live = sa.func.max(flag(col(CallEvent.type) == EventType.closed)) == 1
    last = sa.case(
        (
            sa.and_(ended_by_adviser, closed_live),
            seconds_between(col(Call.answered_at), col(Call.closed_at)),
        ),
        (ended_by_adviser, seconds_between(col(Call.answered_at), col(Call.ended_at))),
        else_=0.0,
    )
    types = [EventType.accepted, EventType.transferred, EventType.closed]
    return (
        sa.select(legs + last)
        .where(col(CallEvent.call_id) == col(Call.id), col(CallEvent.type).in_(types))
        .scalar_subquery()
    )


@lru_cache(maxsize=1)
def call_values() -> dict[str, sa.ColumnElement[Any]]:
    """What the reports need of each call, by name: flags, and times in seconds.

    Built once: the expressions do not change, and building them took longer than some of
    the queries that use them.
    """
    answered_at, ended_at = col(Call.answered_at), col(Call.ended_at)
    wait = seconds_between(col(Call.received_at), sa.func.coalesce(answered_at, ended_at))
    # A call recorded after the fact has no journal: answered_at to ended_at, no wrap-up.
    handle = sa.case(
        (
            sa.and_(answered_at.is_not(None), ended_at.is_not(None)),
            sa.func.coalesce(_journal_handle(), seconds_between(answered_at, ended_at)),
        )
    )
    callback = aliased(Call)
    # A callback is requested when the call is closed with the request (not while drafting).
    requested = sa.and_(
        col(Call.callback_requested).is_(True), col(Call.status) == CallStatus.closed
    )
    completed = sa.exists().where(
        col(callback.origin_call_id) == col(Call.id), col(callback.status) == CallStatus.closed
    )
    # One lookup per call on (call_id, type): cheaper than joining the week to the journal,
    # which the planner may start from every transfer ever made.
    transfers = (
        sa.select(sa.func.count())
        .where(
            col(CallEvent.call_id) == col(Call.id),
            col(CallEvent.type) == EventType.transferred,
        )
        .scalar_subquery()
    )
    return {
        "answered": flag(answered_at.is_not(None)),
        "hung_up": flag(sa.and_(answered_at.is_(None), ended_at.is_not(None))),
        "wait": wait,
        "handle": handle,
        "callback_requested": flag(requested),
        "callback_completed": flag(sa.and_(requested, completed)),
        "transfers": transfers,
    }


def _call_value(name: str) -> sa.ColumnElement[Any]:
    """A per-call value by name: one of `call_values()`, else the call's own column."""
    found = call_values().get(name)
    if found is not None:
        return found
    return Call.__table__.c[name]  # type: ignore[attr-defined, no-any-return]  # SQLModel types __table__ loosely


Population = tuple[tuple[str, ...], Callable[[Columns, Settings], sa.ColumnElement[bool]]]
# The populations the registry names: the per-call values each needs, and its condition.
POPULATIONS: dict[str, Population] = {
    "answered": (("answered",), lambda c, s: c.answered == 1),
    "abandoned": (
        ("hung_up", "wait"),
        lambda c, s: sa.and_(c.hung_up == 1, c.wait > s.short_abandon_s),
    ),
    "short_abandoned": (
        ("hung_up", "wait"),
        lambda c, s: sa.and_(c.hung_up == 1, c.wait <= s.short_abandon_s),
    ),
    "answered_within": (
        ("answered", "wait"),
        lambda c, s: sa.and_(c.answered == 1, c.wait <= s.service_level_threshold_s),
    ),
    "abandoned_late": (
        ("hung_up", "wait"),
        lambda c, s: sa.and_(c.hung_up == 1, c.wait > s.service_level_threshold_s),
    ),
    "handled": (
        ("answered", "handle"),
        lambda c, s: sa.and_(c.answered == 1, c.handle.is_not(None)),
    ),
    "callback_requested": (("callback_requested",), lambda c, s: c.callback_requested == 1),
    "callback_completed": (("callback_completed",), lambda c, s: c.callback_completed == 1),
}


def _needs(aggregate: figures.Aggregate) -> tuple[str, ...]:
    """The per-call values an aggregate reads."""
    values = () if isinstance(aggregate, figures.Count) else (aggregate.value,)
    population = () if aggregate.population is None else POPULATIONS[aggregate.population][0]
    return (*values, *population)


def week_calls(scope: Scope, *names: str) -> sa.Subquery:
    """One row per call of the week, with its line and the per-call values named.

    Only the values a query uses are computed, each once per call: merged into the query
    that uses it, as databases do with a plain subquery, the journal lookups behind
    `handle` would run again at every use of it; OFFSET 0 keeps the subquery apart.
    """
    columns: list[sa.Label[Any]] = [col(Call.line).label("line")]
    columns += [_call_value(name).label(name) for name in dict.fromkeys(names) if name != "line"]
    return sa.select(*columns).where(*scope.conditions()).offset(0).subquery("week_calls")


def _aggregate(
    aggregate: figures.Count | figures.Sum, c: Columns, settings: Settings
) -> sa.ColumnElement[Any]:
    condition = None
    if aggregate.population is not None:
        condition = POPULATIONS[aggregate.population][1](c, settings)
    if isinstance(aggregate, figures.Count):
        return sa.func.count() if condition is None else sa.func.sum(flag(condition))
    value = c[aggregate.value]
    if condition is not None:
        value = sa.case((condition, value), else_=0.0)
    return sa.func.sum(value)


def _number(aggregate: figures.Aggregate, value: Any) -> float:
    """A fetched count or sum as Python's number (PostgreSQL sums integers as numerics)."""
    if isinstance(aggregate, figures.Count) or (
        isinstance(aggregate, figures.Sum) and aggregate.whole
    ):
        return int(value or 0)
    return float(value or 0.0)


def figures_by_line(
    session: Session, scope: Scope, settings: Settings
) -> tuple[Raw, dict[str, Raw]]:
    """The raw aggregates of the registry, for the whole scope and for each line.

    Counts and sums add up across lines: one grouped query. Each percentile needs a query of
    its own.
    """
    additive = {
        name: aggregate
        for name, aggregate in figures.RAW.items()
        if isinstance(aggregate, figures.Count | figures.Sum)
    }
    needs = [need for aggregate in additive.values() for need in _needs(aggregate)]
    w = week_calls(scope, *needs)
    selected = [
        _aggregate(aggregate, w.c, settings).label(name) for name, aggregate in additive.items()
    ]
    rows = session.execute(sa.select(w.c.line, *selected).group_by(w.c.line)).all()
    by_line: dict[str, Raw] = {}
    for row in rows:
        found = row._mapping
        raw: Raw = {name: _number(additive[name], found[name]) for name in additive}
        # A line whose calls have no value to rank (all callers hung up) has no percentile.
        by_line[found["line"]] = raw | dict.fromkeys(figures.PERCENTILES)
    overall: Raw = {name: sum(raw[name] or 0 for raw in by_line.values()) for name in additive}
    for name in figures.PERCENTILES:
        aggregate = figures.RAW[name]
        assert isinstance(aggregate, figures.Percentile)
        per_line, overall[name] = _percentiles(session, scope, aggregate, settings)
        for line, value in per_line.items():
            by_line[line][name] = value
    return overall, by_line


def empty_figures() -> Raw:
    """The raw aggregates of a scope without calls."""
    return figures.empty()


def _percentiles(
    session: Session, scope: Scope, aggregate: figures.Percentile, settings: Settings
) -> tuple[dict[str, float], float | None]:
    """A percentile (nearest rank) of a per-call value in a population, per line and overall."""
    w = week_calls(scope, aggregate.value, *POPULATIONS[aggregate.population][0])
    ranked = sa.select(w.c.line, w.c[aggregate.value].label("value")).where(
        POPULATIONS[aggregate.population][1](w.c, settings)
    )
    return nearest_rank(session, ranked, aggregate.percent)


def nearest_rank(
    session: Session, values: sa.Select[Any], percent: int
) -> tuple[dict[str, float], float | None]:
    """The `percent`th percentile (nearest rank) of `values` (columns `line` and `value`),
    per line and over all of them."""
    return nearest_ranks(session, values, (percent,))[percent]


def nearest_ranks(
    session: Session, values: sa.Select[Any], percents: tuple[int, ...]
) -> dict[int, tuple[dict[str, float], float | None]]:
    """Percentiles (nearest rank) of `values` (columns `line` and `value`), per line and
    over all of them, each percent's as `nearest_rank` gives it.

    One pass ranks each value within its line and within all lines; the percentile is the
    smallest value whose rank reaches the percent of its group: the first rank >= p n.
    """
    v = values.subquery("ranked_values")
    ranked = sa.select(
        v.c.line,
        v.c.value,
        sa.func.row_number().over(partition_by=v.c.line, order_by=v.c.value).label("rank"),
        sa.func.count().over(partition_by=v.c.line).label("n"),
        sa.func.row_number().over(order_by=v.c.value).label("rank_all"),
        sa.func.count().over().label("n_all"),
    ).subquery()
    r = ranked.c
    columns = []
    for p in percents:
        columns.append(sa.func.min(sa.case((r.rank * 100 >= r.n * p, r.value))))
        columns.append(sa.func.min(sa.case((r.rank_all * 100 >= r.n_all * p, r.value))))
    rows = session.execute(sa.select(r.line, *columns).group_by(r.line)).all()
    found = {}
    for i, p in enumerate(percents):
        per_line = {row[0]: float(row[1 + 2 * i]) for row in rows if row[1 + 2 * i] is not None}
        overall = [float(row[2 + 2 * i]) for row in rows if row[2 + 2 * i] is not None]
        found[p] = (per_line, min(overall, default=None))
    return found
