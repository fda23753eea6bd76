"""The case's actions: wait, resume, close, reopen and merge, each through the state machine."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, update

from service.calls.models import Call
from service.cases import service as cases_service
from service.cases import states
from service.cases.errors import CaseStateConflict, OpenTasksBlockClosing
from service.cases.models import (
    WORKPLACE_COLUMNS,
    Case,
    CaseClosing,
    CaseEventType,
    CaseNote,
    CaseReferral,
    CaseTask,
)
from service.cases.states import CaseStatus, CaseStep, WaitingFor
from service.cases.tasks import TaskState
from service.errors import Forbidden, ValidationFailed
from service.etag import check_if_match
from service.taxonomy import service as taxonomy_service

# A rule of `states`, bound to the case: the status it leads to, or Refused.
Rule = Callable[[], CaseStatus]


@dataclass(frozen=True)
class Change:
    """One step of a case: which case, from which copy (`If-Match`), who does it and when."""

    case: Case
    actor: str
    now: datetime
    if_match: str | None = None


def wait(*, session: Session, change: Change, waiting_for: WaitingFor) -> Case:
    """The case waits on the caller or a third party."""
    case, actor, now = _begin(change)
    status = _step(case, lambda: states.wait(case.status, waiting_for=waiting_for))
    case.waiting_for = waiting_for
    return _move(session, case, status, CaseStep.wait, actor=actor, now=now)


def resume(*, session: Session, change: Change) -> Case:
    """A waiting case is open again: what it waited for came."""
    case, actor, now = _begin(change)
    status = _step(case, lambda: states.advance(case.status, CaseStep.resume))
    case.waiting_for = None
    return _move(session, case, status, CaseStep.resume, actor=actor, now=now)


def close(*, session: Session, change: Change, closing: CaseClosing) -> Case:
    """Close a case with its outcome; its open tasks block that unless cancelled with it."""
    case, actor, now = _begin(change)
    problems = taxonomy_service.code_problems(
        session=session, list_name="case_outcome", field="outcome", codes=[closing.outcome]
    )
    if problems:
        raise ValidationFailed(problems)
    open_tasks = cases_service.open_task_ids(session, case)
    try:
        status = states.close(
            case.status,
            outcome=closing.outcome,
            open_tasks=open_tasks,
            cancel_open_tasks=closing.cancel_open_tasks,
        )
    except states.OpenTasks as exc:
        raise OpenTasksBlockClosing(case.status, list(exc.tasks)) from None
    except states.Refused as exc:
        raise CaseStateConflict(case.status, str(exc)) from None
    if open_tasks:
        session.exec(
            update(CaseTask)
            .where(col(CaseTask.id).in_(open_tasks))
            .values(state=TaskState.cancelled, updated_at=now, version=CaseTask.version + 1)
        )
        cancelled = (TaskState.open.value, TaskState.cancelled.value)
        for task_id in open_tasks:
            cases_service.record_task_change(session, case, task_id, cancelled, actor=actor, at=now)
    case.outcome, case.closed_at, case.waiting_for = closing.outcome, now, None
    case.follow_up_due_at = None
    return _move(session, case, status, CaseStep.close, actor=actor, now=now)


def reopen(*, session: Session, change: Change, role: str) -> Case:
    """A supervisor opens a closed case again; its outcome goes."""
    case, actor, now = _begin(change)
    status = _step(case, lambda: states.reopen(case.status, by_role=role))
    case.outcome, case.closed_at = None, None
    return _move(session, case, status, CaseStep.reopen, actor=actor, now=now)


def _begin(change: Change) -> tuple[Case, str, datetime]:
    """Refuse (412) a step taken from a stale copy of the case."""
    check_if_match(change.case, change.if_match, noun="case")
    return change.case, change.actor, change.now


def _step(case: Case, rule: Rule) -> CaseStatus:
    try:
        return rule()
    except states.NotPermitted as exc:
        raise Forbidden(str(exc)) from None
    except states.Refused as exc:
        raise CaseStateConflict(case.status, str(exc)) from None


def _move(
    session: Session, case: Case, status: CaseStatus, step: CaseStep, *, actor: str, now: datetime
) -> Case:
    """Store the case's new status, with who moved it and from where, on its timeline too."""
    previous = case.status
    case.previous_status, case.status = previous, status
    case.status_changed_at, case.status_changed_by = now, actor
    cases_service.record_event(
        session,
        case,
        CaseEventType.status_changed,
        at=now,
        actor=actor,
        from_status=str(previous),
        to_status=str(status),
    )
    cases_service.touch(case, now)
    session.commit()
    session.refresh(case)
    return case


def merge(*, session: Session, change: Change, into: Case) -> Case:
    """Merge a case into another: its calls, tasks, notes and referrals move there, and it
    stays as a tombstone that points at the survivor."""
    case, actor, now = _begin(change)
    status = _step(
        case,
        lambda: states.merge(case.status, into_status=into.status, into_itself=case.id == into.id),
    )
    for model in (Call, CaseTask, CaseNote, CaseReferral):
        session.exec(update(model).where(col(model.case_id) == case.id).values(case_id=into.id))
    for column in WORKPLACE_COLUMNS.values():
        # The survivor keeps what it knows of the workplace and learns what it did not.
        if getattr(into, column) is None and getattr(case, column) is not None:
            setattr(into, column, getattr(case, column))
    into.follow_up_due_at = cases_service.next_follow_up(session, into)
    case.merged_into_id, case.follow_up_due_at, case.waiting_for = into.id, None, None
    # Its life ends here as a closed case's does: retention counts from this moment.
    case.closed_at = now
    cases_service.record_event(
        session, into, CaseEventType.merged_in, at=now, actor=actor, other_case_id=case.id
    )
    cases_service.touch(into, now)
    return _move(session, case, status, CaseStep.merge, actor=actor, now=now)
