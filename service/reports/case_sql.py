"""The SQL of the case figures (`case_figures`): per line, grouped in the database.

A case's line is its case_file's line; a task's and a referral's are their case's. The
first-contact resolution is of calls, on the line each call ended on, as the call totals are.

Each query is bounded by the week on an indexed timestamp: case_file.created_at and
status_changed_at, case_event (type, at) for the week's closes and reopenings, case_task
(state, due_at), call.received_at with its lookups by case_id and origin_call_id.
"""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from service.calls.models import Call
from service.cases.models import Case, CaseEvent, CaseEventType, CaseReferral, CaseTask
from service.cases.states import CaseStatus
from service.cases.tasks import TaskState
from service.db import seconds_between
from service.reports import case_figures
from service.reports.figure_sql import Raw, Scope, flag, nearest_ranks

Statement = sa.Select[*tuple[Any, ...]]
Outcomes = dict[Hashable, int]
"""Closes by outcome code; None: closes whose outcome went with a later reopening."""
LIVE = (CaseStatus.open.value, CaseStatus.waiting.value)


@dataclass(frozen=True)
class CaseWeek:
    """The raw case figures of a week: for the scope, each line, and the closes' outcomes."""

    overall: Raw
    by_line: dict[str, Raw]
    outcomes: Outcomes
    outcomes_by_line: dict[str, Outcomes]

    def raw(self, line: str | None) -> Raw:
        if line is None:
            return self.overall
        return self.by_line.get(line) or case_figures.empty()

    def outcomes_of(self, line: str | None) -> Outcomes:
        return self.outcomes if line is None else self.outcomes_by_line.get(line, {})


def _on_line(scope: Scope) -> list[sa.ColumnElement[bool]]:
    return [] if scope.line is None else [col(Case.line) == scope.line]


def _status_moves(scope: Scope) -> Statement:
    """The week's status changes of cases into or out of closed, with the case's line."""
    return (
        sa.select(col(Case.line).label("line"))
        .select_from(CaseEvent)
        .join(Case, col(Case.id) == col(CaseEvent.case_id))
        .where(
            col(CaseEvent.type) == CaseEventType.status_changed,
            col(CaseEvent.at) >= scope.start,
            col(CaseEvent.at) < scope.end,
            *_on_line(scope),
        )
    )


def _moves_by_outcome(scope: Scope) -> Statement:
    """The week's closes and reopenings per line and outcome (a reopening has none)."""
    reopening = sa.and_(
        col(CaseEvent.from_status) == CaseStatus.closed.value,
        col(CaseEvent.to_status) == CaseStatus.open.value,
    )
    outcome = _outcome().label("outcome")
    return (
        _status_moves(scope)
        .add_columns(
            outcome,
            sa.func.sum(flag(_closing())).label("cases_closed"),
            sa.func.sum(flag(reopening)).label("cases_reopened"),
        )
        .where(sa.or_(_closing(), reopening))
        .group_by(col(Case.line), outcome)
    )


def _closing() -> sa.ColumnElement[bool]:
    return col(CaseEvent.to_status) == CaseStatus.closed.value


def _outcome() -> sa.ColumnElement[Any]:
    """A close's outcome: the case's, if this close is the case's standing one.

    A reopening takes the outcome away (the case keeps one outcome, its last close's), so a
    close that a reopening undid has none: counted under null, "reopened since".
    """
    standing = sa.and_(
        _closing(),
        col(Case.status) == CaseStatus.closed.value,
        col(Case.closed_at) == col(CaseEvent.at),
    )
    return sa.case((standing, col(Case.outcome)))


def _moves(session: Session, scope: Scope, by_line: dict[str, Raw]) -> dict[str, Outcomes]:
    """Add the closes and reopenings to `by_line`; the closes by outcome, per line."""
    outcomes: dict[str, Outcomes] = {}
    for line, code, closed, reopened in session.execute(_moves_by_outcome(scope)).all():
        found = by_line.setdefault(line, case_figures.empty())
        found["cases_closed"] = int(found["cases_closed"] or 0) + int(closed or 0)
        found["cases_reopened"] = int(found["cases_reopened"] or 0) + int(reopened or 0)
        if closed:
            outcomes.setdefault(line, {})[code] = int(closed)
    return outcomes


def _days_to_close(scope: Scope) -> Statement:
    days = seconds_between(col(Case.created_at), col(CaseEvent.at)) / case_figures.DAY_S
    return _status_moves(scope).add_columns(days.label("value")).where(_closing())


def _opened(scope: Scope) -> Statement:
    return (
        sa.select(col(Case.line), sa.func.count().label("cases_opened"))
        .where(col(Case.created_at) >= scope.start, col(Case.created_at) < scope.end)
        .where(*_on_line(scope))
        .group_by(col(Case.line))
    )


def _live_at_end(scope: Scope, *, week_over: bool) -> sa.Subquery:
    """The cases open or waiting at the week's end: their line and created_at.

    A case not moved since (status_changed_at before the end) has its status now: the
    cases open or waiting now, read on the status index. One moved since has the status of
    its last status change before the end on its timeline (one lookup on (case_id, at)), or
    open if none; before the week is over no case has moved since. Two disjoint branches,
    so that each can use its own index.
    """
    columns: tuple[sa.Label[Any], ...] = (
        col(Case.line).label("line"),
        col(Case.created_at).label("created_at"),
    )
    # status_changed_at is never before created_at: a case unmoved since the end was
    # opened before it, and a condition on created_at would lead the planner off the
    # status index.
    unmoved = sa.select(*columns).where(
        col(Case.status).in_(LIVE), col(Case.status_changed_at) < scope.end, *_on_line(scope)
    )
    if not week_over:
        return unmoved.subquery("live_at_end")
    then = (
        sa.select(col(CaseEvent.to_status))
        .where(
            col(CaseEvent.case_id) == col(Case.id),
            col(CaseEvent.type) == CaseEventType.status_changed,
            col(CaseEvent.at) < scope.end,
        )
        .order_by(col(CaseEvent.at).desc(), col(CaseEvent.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    moved = sa.select(*columns).where(
        col(Case.status_changed_at) >= scope.end,
        sa.func.coalesce(then, CaseStatus.open.value).in_(LIVE),
        col(Case.created_at) < scope.end,
        *_on_line(scope),
    )
    return sa.union_all(unmoved, moved).subquery("live_at_end")


def _backlog(scope: Scope, *, week_over: bool) -> Statement:
    live = _live_at_end(scope, week_over=week_over)
    bands = []
    for low, high in case_figures.BACKLOG_AGES:
        # Aged `low` to `high` whole days at the end: opened less than `high` + 1 periods of
        # 24 h before it, and at least `low`; compared on created_at itself, not per row.
        within = live.c.created_at <= scope.end - timedelta(days=low)
        if high is not None:
            within = sa.and_(within, live.c.created_at > scope.end - timedelta(days=high + 1))
        bands.append(sa.func.sum(flag(within)).label(case_figures.backlog_band(low, high)))
    return sa.select(live.c.line, sa.func.count().label("backlog"), *bands).group_by(live.c.line)


def _first_contact(scope: Scope, now: datetime) -> Statement:
    """The week's answered calls, those resolved at first contact, and the provisional ones."""
    later = aliased(Call)
    window = case_figures.FCR_DAYS * case_figures.DAY_S
    again = sa.and_(
        col(later.id) != col(Call.id),
        col(later.received_at) > col(Call.received_at),
        seconds_between(col(Call.received_at), col(later.received_at)) <= window,
    )
    # Two lookups, each on an index: (case_id) and (origin_call_id); one EXISTS with an OR
    # of them could use neither. Not the callback number: retention erases it and its key
    # 14 days on, and a published figure must not change when retention runs.
    in_case = sa.exists().where(
        col(Call.case_id).is_not(None), col(later.case_id) == col(Call.case_id), again
    )
    called_back = sa.exists().where(col(later.origin_call_id) == col(Call.id), again)
    resolved = flag(sa.not_(sa.or_(in_case, called_back)))
    provisional = flag(col(Call.received_at) > now - timedelta(days=case_figures.FCR_DAYS))
    # Each call's lookups once (OFFSET 0 keeps the subquery apart, as `week_calls` does).
    calls = (
        sa.select(
            col(Call.line).label("line"),
            resolved.label("resolved"),
            provisional.label("provisional"),
        )
        .where(*scope.conditions(), col(Call.answered_at).is_not(None))
        .offset(0)
        .subquery("answered_calls")
    )
    c = calls.c
    return sa.select(
        c.line,
        sa.func.count().label("fcr_calls"),
        sa.func.sum(c.resolved).label("fcr_resolved"),
        sa.func.sum(c.resolved * c.provisional).label("fcr_provisional"),
    ).group_by(c.line)


def _tasks_due(scope: Scope) -> Statement:
    kept = (TaskState.open.value, TaskState.done.value)
    on_time = sa.and_(
        col(CaseTask.state) == TaskState.done, col(CaseTask.done_at) <= col(CaseTask.due_at)
    )
    return (
        sa.select(
            col(Case.line),
            sa.func.count().label("tasks_due"),
            sa.func.sum(flag(on_time)).label("tasks_done_on_time"),
        )
        .select_from(CaseTask)
        .join(Case, col(Case.id) == col(CaseTask.case_id))
        .where(
            col(CaseTask.state).in_(kept),
            col(CaseTask.due_at) >= scope.start,
            col(CaseTask.due_at) < scope.end,
            col(CaseTask.created_at) < scope.end,
            *_on_line(scope),
        )
        .group_by(col(Case.line))
    )


def _tasks_overdue(scope: Scope, *, week_over: bool) -> Statement:
    not_done = col(CaseTask.state) == TaskState.open
    if week_over:
        # Done only after the week's end: possible once the week is over.
        late = sa.and_(col(CaseTask.state) == TaskState.done, col(CaseTask.done_at) >= scope.end)
        not_done = sa.or_(not_done, late)
    return (
        sa.select(col(Case.line), sa.func.count().label("tasks_overdue"))
        .select_from(CaseTask)
        .join(Case, col(Case.id) == col(CaseTask.case_id))
        .where(
            not_done,
            col(CaseTask.due_at) < scope.end,
            col(CaseTask.created_at) < scope.end,
            *_on_line(scope),
        )
        .group_by(col(Case.line))
    )


def _referrals(scope: Scope) -> Statement:
    states = [
        sa.func.sum(flag(col(CaseReferral.status) == state)).label(name)
        for state, name in case_figures.REFERRAL_STATES.items()
    ]
    return (
        sa.select(col(Case.line), sa.func.count().label("referrals_sent"), *states)
        .select_from(CaseReferral)
        .join(Case, col(Case.id) == col(CaseReferral.case_id))
        .where(
            col(CaseReferral.created_at) >= scope.start,
            col(CaseReferral.created_at) < scope.end,
            *_on_line(scope),
        )
        .group_by(col(Case.line))
    )


def _counts(session: Session, statements: list[Statement]) -> dict[str, Raw]:
    """The raw counts of `statements`, each grouped by line (its first column), merged."""
    by_line: dict[str, Raw] = {}
    for statement in statements:
        for row in session.execute(statement).all():
            line, *counts = row
            found = by_line.setdefault(line, case_figures.empty())
            for name, value in zip(row._fields[1:], counts, strict=True):
                found[name] = int(value or 0)
    return by_line


def trend_week(session: Session, scope: Scope, now: datetime) -> CaseWeek:
    """The counts the trend shows (opened, closed, reopened, backlog), per line, and the
    closes' outcomes, which a publishable trend protects the closes with."""
    week_over = now >= scope.end
    by_line = _counts(session, [_opened(scope), _backlog(scope, week_over=week_over)])
    return _week(by_line, _moves(session, scope, by_line), {})


def case_week(session: Session, scope: Scope, now: datetime) -> CaseWeek:
    """The raw case figures of the scope's week, for the scope and each line."""
    week_over = now >= scope.end
    statements = [
        _opened(scope),
        _backlog(scope, week_over=week_over),
        _first_contact(scope, now),
        _tasks_due(scope),
        _tasks_overdue(scope, week_over=week_over),
        _referrals(scope),
    ]
    by_line = _counts(session, statements)
    outcomes = _moves(session, scope, by_line)
    overall_percentiles: Raw = {}
    percents = case_figures.PERCENTILES
    ranked = nearest_ranks(session, _days_to_close(scope), tuple(percents.values()))
    for name, percent in percents.items():
        per_line, overall_percentiles[name] = ranked[percent]
        for line, value in per_line.items():
            by_line.setdefault(line, case_figures.empty())[name] = value
    return _week(by_line, outcomes, overall_percentiles)


def _week(
    by_line: dict[str, Raw], outcomes_by_line: dict[str, Outcomes], percentiles: Raw
) -> CaseWeek:
    outcomes: Outcomes = {}
    for found in outcomes_by_line.values():
        for code, n in found.items():
            outcomes[code] = outcomes.get(code, 0) + n
    counts = {
        name: sum(raw[name] or 0 for raw in by_line.values()) for name in case_figures.RAW_COUNTS
    }
    return CaseWeek(
        overall=case_figures.empty() | counts | percentiles,
        by_line=by_line,
        outcomes=outcomes,
        outcomes_by_line=outcomes_by_line,
    )
