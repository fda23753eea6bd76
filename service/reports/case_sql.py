"""The SQL of the case figures (`case_figures`): per line, grouped in the database.

A case's line is its case_file's line; a task's and a referral's are their case's. The
first-contact resolution is of calls, on the line each call ended on, as the call totals are.

Each query is bounded by the week on an indexed timestamp where the schema has one
(case_file.created_at, case_task (state, due_at), call.received_at with the lookups by
case_id and callback_phone_key); see docs/performance.md for what the plans showed.
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
from service.db import UTCDateTime, seconds_between
from service.reports import case_figures
from service.reports.figure_sql import Raw, Scope, flag, nearest_rank

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


def _closing() -> sa.ColumnElement[bool]:
    return col(CaseEvent.to_status) == CaseStatus.closed.value


def _closes_and_reopenings(scope: Scope) -> Statement:
    reopening = sa.and_(
        col(CaseEvent.from_status) == CaseStatus.closed.value,
        col(CaseEvent.to_status) == CaseStatus.open.value,
    )
    return (
        _status_moves(scope)
        .add_columns(
            sa.func.sum(flag(_closing())).label("cases_closed"),
            sa.func.sum(flag(reopening)).label("cases_reopened"),
        )
        .where(sa.or_(_closing(), reopening))
        .group_by(col(Case.line))
    )


def _outcome() -> sa.ColumnElement[Any]:
    """A close's outcome: the case's, if this close is the case's standing one.

    A reopening takes the outcome away (the case keeps one outcome, its last close's), so a
    close that a reopening undid has none: counted under null, "reopened since".
    """
    standing = sa.and_(
        col(Case.status) == CaseStatus.closed.value, col(Case.closed_at) == col(CaseEvent.at)
    )
    return sa.case((standing, col(Case.outcome)))


def _outcomes(session: Session, scope: Scope) -> dict[str, Outcomes]:
    outcome = _outcome().label("outcome")
    statement = (
        _status_moves(scope)
        .add_columns(outcome, sa.func.count().label("n"))
        .where(_closing())
        .group_by(col(Case.line), outcome)
    )
    found: dict[str, Outcomes] = {}
    for line, code, n in session.execute(statement).all():
        found.setdefault(line, {})[code] = int(n)
    return found


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


def _status_at_end(scope: Scope, *, week_over: bool) -> sa.ColumnElement[bool]:
    """Whether a case was open or waiting at the week's end.

    A case not moved since (status_changed_at before the end) has its status now; one moved
    since, the last status change before the end on its timeline (one lookup on
    (case_id, at)), or open if none. Before the week is over no case has moved since.
    """
    unmoved = sa.and_(col(Case.status).in_(LIVE), col(Case.status_changed_at) < scope.end)
    if not week_over:
        return unmoved
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
    moved = sa.and_(
        col(Case.status_changed_at) >= scope.end,
        sa.func.coalesce(then, CaseStatus.open.value).in_(LIVE),
    )
    return sa.or_(unmoved, moved)


def _backlog(scope: Scope, *, week_over: bool) -> Statement:
    age_s = seconds_between(col(Case.created_at), sa.literal(scope.end, UTCDateTime()))
    bands = []
    for low, high in case_figures.BACKLOG_AGES:
        # Whole days <= high: under high + 1 periods of 24 h.
        within = age_s >= low * case_figures.DAY_S
        if high is not None:
            within = sa.and_(within, age_s < (high + 1) * case_figures.DAY_S)
        bands.append(sa.func.sum(flag(within)).label(case_figures.backlog_band(low, high)))
    return (
        sa.select(col(Case.line), sa.func.count().label("backlog"), *bands)
        .where(col(Case.created_at) < scope.end, _status_at_end(scope, week_over=week_over))
        .where(*_on_line(scope))
        .group_by(col(Case.line))
    )


def _first_contact(scope: Scope, now: datetime) -> Statement:
    """The week's answered calls, those resolved at first contact, and the provisional ones."""
    later = aliased(Call)
    window = case_figures.FCR_DAYS * case_figures.DAY_S
    again = sa.and_(
        col(later.id) != col(Call.id),
        col(later.received_at) > col(Call.received_at),
        seconds_between(col(Call.received_at), col(later.received_at)) <= window,
    )
    # Three lookups, each on an index: (case_id), (callback_phone_key, received_at) and
    # (origin_call_id); one EXISTS with an OR of them could use none.
    in_case = sa.exists().where(
        col(Call.case_id).is_not(None), col(later.case_id) == col(Call.case_id), again
    )
    same_number = sa.exists().where(
        col(Call.callback_phone_key).is_not(None),
        col(later.callback_phone_key) == col(Call.callback_phone_key),
        again,
    )
    called_back = sa.exists().where(col(later.origin_call_id) == col(Call.id), again)
    resolved = sa.not_(sa.or_(in_case, same_number, called_back))
    provisional = col(Call.received_at) > now - timedelta(days=case_figures.FCR_DAYS)
    return (
        sa.select(
            col(Call.line),
            sa.func.count().label("fcr_calls"),
            sa.func.sum(flag(resolved)).label("fcr_resolved"),
            sa.func.sum(flag(sa.and_(resolved, provisional))).label("fcr_provisional"),
        )
        .where(*scope.conditions(), col(Call.answered_at).is_not(None))
        .group_by(col(Call.line))
    )


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


def _trend_statements(scope: Scope, *, week_over: bool) -> list[Statement]:
    return [
        _opened(scope),
        _closes_and_reopenings(scope),
        _backlog(scope, week_over=week_over),
    ]


def trend_week(session: Session, scope: Scope, now: datetime) -> CaseWeek:
    """The counts the trend shows (opened, closed, reopened, backlog), per line, and the
    closes' outcomes, which a publishable trend protects the closes with."""
    by_line = _counts(session, _trend_statements(scope, week_over=now >= scope.end))
    return _week(session, scope, by_line, {})


def _week(session: Session, scope: Scope, by_line: dict[str, Raw], percentiles: Raw) -> CaseWeek:
    outcomes_by_line = _outcomes(session, scope)
    outcomes: Outcomes = {}
    for found in outcomes_by_line.values():
        for code, n in found.items():
            outcomes[code] = outcomes.get(code, 0) + n
    return CaseWeek(
        overall=_overall(by_line, percentiles),
        by_line=by_line,
        outcomes=outcomes,
        outcomes_by_line=outcomes_by_line,
    )


def _overall(by_line: dict[str, Raw], percentiles: Raw) -> Raw:
    counts = {
        name: sum(raw[name] or 0 for raw in by_line.values()) for name in case_figures.RAW_COUNTS
    }
    return case_figures.empty() | counts | percentiles


def case_week(session: Session, scope: Scope, now: datetime) -> CaseWeek:
    """The raw case figures of the scope's week, for the scope and each line."""
    week_over = now >= scope.end
    statements = [
        *_trend_statements(scope, week_over=week_over),
        _first_contact(scope, now),
        _tasks_due(scope),
        _tasks_overdue(scope, week_over=week_over),
        _referrals(scope),
    ]
    by_line = _counts(session, statements)
    overall_percentiles: Raw = {}
    for name, percent in case_figures.PERCENTILES.items():
        per_line, overall_percentiles[name] = nearest_rank(session, _days_to_close(scope), percent)
        for line, value in per_line.items():
            by_line.setdefault(line, case_figures.empty())[name] = value
    return _week(session, scope, by_line, overall_percentiles)
