"""Use cases of a case's follow-up tasks: add, change and list them; a callback task with a
number rings as an outbound call, routed at its due time."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.advisers.models import Adviser
from service.calls import case_link, journal
from service.calls.journal import EventType
from service.calls.models import Call, CallStatus, Direction
from service.calls.repeat import number_key_or_none
from service.cases import service as cases_service
from service.cases import tasks as task_rules
from service.cases.errors import CaseStateConflict
from service.cases.models import Case, CaseEventType, CaseTask
from service.cases.states import Refused
from service.cases.task_models import CaseTaskCreate, CaseTaskPublic, CaseTaskUpdate, TaskQuery
from service.cases.tasks import TaskState
from service.config import Settings
from service.db import UTCDateTime
from service.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from service.etag import check_if_match
from service.events import service as events_service
from service.events.models import DeskEventType
from service.opening_hours import service as opening_hours_service
from service.pagination import Page, decode_cursor, encode_cursor
from service.taxonomy import service as taxonomy_service

CALLBACK = "callback"
# At most this many tasks are announced per tick of the routing timer; the rest next tick.
ANNOUNCED_PER_TICK = 500


class TaskNotFound(NotFound):
    def __init__(self, case: Case, task_id: uuid.UUID) -> None:
        super().__init__(f"The case {case.reference} has no task with id {task_id}.")


class TaskStateConflict(Conflict):
    """A change that the task's state does not allow: a done or cancelled task is final."""

    slug = "illegal-task-transition"
    title = "Not allowed in the task's current state"

    def __init__(self, state: str, detail: str) -> None:
        super().__init__(detail, extensions={"task_state": state})


def get(*, session: Session, case: Case, task_id: uuid.UUID) -> CaseTask:
    """The case's task with this id, or TaskNotFound (also for a task of another case)."""
    task = session.get(CaseTask, task_id)
    if task is None or task.case_id != case.id:
        raise TaskNotFound(case, task_id)
    return task


def public(*, task: CaseTask, case_reference: str, now: datetime) -> CaseTaskPublic:
    """The task as the API shows it, overdue or not at `now`."""
    computed = {"case_reference", "overdue"}
    values = {name: getattr(task, name) for name in CaseTaskPublic.model_fields.keys() - computed}
    return CaseTaskPublic.model_validate(
        values
        | {
            "case_reference": case_reference,
            "overdue": task_rules.is_overdue(task.state, task.due_at, now),
        }
    )


def create(
    *,
    session: Session,
    settings: Settings,
    case: Case,
    task_in: CaseTaskCreate,
    actor: str,
    acting_adviser_id: uuid.UUID | None,
    now: datetime,
    task_id: uuid.UUID | None = None,
) -> CaseTask:
    """Add a task to an open or waiting case; a callback with a number queues its call."""
    _lock(session, case)
    if case.status not in cases_service.LIVE:
        raise CaseStateConflict(case.status, "Tasks are added only to open or waiting cases.")
    assignee_id = task_in.assignee_adviser_id or acting_adviser_id
    problems = taxonomy_service.code_problems(
        session=session, list_name="task_kind", field="kind", codes=[task_in.kind]
    )
    if task_in.callback_phone is not None and task_in.kind != CALLBACK:
        reason = "only a callback task has a number to ring"
        problems.append(FieldProblem(field="callback_phone", reason=reason))
    problems += _assignee_problems(session, assignee_id)
    if problems:
        raise ValidationFailed(problems)
    task = CaseTask(
        case_id=case.id,
        kind=task_in.kind,
        state=TaskState.open,
        due_at=task_in.due_at,
        assignee_adviser_id=assignee_id,
        note=task_in.note,
        callback_phone=task_in.callback_phone,
        created_at=now,
        updated_at=now,
    )
    if task_id is not None:
        task.id = task_id  # promised beforehand, to the request's Idempotency-Key
    session.add(task)
    session.flush()
    if task.callback_phone is not None:
        task.call_id = _queue_callback(session, settings, case, task, now=now).id
    cases_service.record_event(
        session, case, CaseEventType.task_added, at=now, actor=actor, task_id=task.id
    )
    _follow_up(session, case, now)
    session.commit()
    session.refresh(task)
    return task


def update(
    *,
    session: Session,
    case: Case,
    task_id: uuid.UUID,
    task_in: CaseTaskUpdate,
    actor: str,
    if_match: str | None,
    now: datetime,
) -> CaseTask:
    """Change the fields sent of a task; sent again, a change already made changes nothing.

    A callback task's call is left as it is: cancelling the task or moving its due time does
    not take back or move a call already queued (the adviser who is offered it sees the case).
    """
    _lock(session, case)
    task = get(session=session, case=case, task_id=task_id)
    check_if_match(task, if_match, noun="task")
    sent = task_in.model_dump(exclude_unset=True)
    for field in ("state", "due_at"):
        if field in sent and sent[field] is None:
            raise ValidationFailed([FieldProblem(field=field, reason="cannot be cleared")])
    changes = {field: value for field, value in sent.items() if getattr(task, field) != value}
    if not changes:
        return task
    if "assignee_adviser_id" in changes:
        problems = _assignee_problems(session, changes["assignee_adviser_id"])
        if problems:
            raise ValidationFailed(problems)
    state = task.state
    try:
        if "state" in changes:
            task_rules.check_task_change(state, changes["state"])
        elif state != TaskState.open:
            raise Refused(f"A {state} task cannot change.")
    except Refused as exc:
        raise TaskStateConflict(state, str(exc)) from None
    for field, value in changes.items():
        setattr(task, field, value)
    if {"due_at", "assignee_adviser_id"} & changes.keys():
        task.due_announced_at = None  # told again when it falls due, to whom it is now
    if changes.get("state") == TaskState.done:
        task.done_at = now
    task.version += 1
    task.updated_at = now
    change = (str(state), str(task.state))
    cases_service.record_task_change(session, case, task.id, change, actor=actor, at=now)
    _follow_up(session, case, now)
    session.commit()
    session.refresh(task)
    return task


def list_tasks(
    *,
    session: Session,
    query: TaskQuery,
    assignee_id: uuid.UUID | None,
    live_cases_only: bool,
    now: datetime,
) -> Page[CaseTaskPublic]:
    """One page of the tasks matching the filters, earliest due first.

    An adviser's own tasks (`assignee_id`) are on cases they are part of, so the cases they may
    see of them are the live ones (`live_cases_only`, as `permissions.may_see` says).
    """
    statement = select(CaseTask, Case.reference).join(Case, col(Case.id) == CaseTask.case_id)
    statement = statement.where(CaseTask.state == query.state)
    if live_cases_only:
        statement = statement.where(col(Case.status).in_(cases_service.LIVE))
    if assignee_id is not None:
        statement = statement.where(CaseTask.assignee_adviser_id == assignee_id)
    if query.case_id is not None:
        statement = statement.where(CaseTask.case_id == query.case_id)
    if query.due_before is not None:
        statement = statement.where(col(CaseTask.due_at) < query.due_before)
    if query.overdue is not None:
        overdue = sa.and_(col(CaseTask.state) == TaskState.open, col(CaseTask.due_at) < now)
        statement = statement.where(overdue if query.overdue else sa.not_(overdue))
    if query.cursor is not None:
        cursor = decode_cursor(query.cursor)
        key = sa.tuple_(sa.literal(cursor.at, UTCDateTime()), sa.literal(cursor.id, sa.Uuid()))
        statement = statement.where(sa.tuple_(col(CaseTask.due_at), col(CaseTask.id)) > key)
    statement = statement.order_by(col(CaseTask.due_at), col(CaseTask.id))
    rows = list(session.exec(statement.limit(query.limit + 1)).all())
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1][0]
        next_cursor = encode_cursor(at=last.due_at, id=last.id)
    items = [public(task=task, case_reference=reference, now=now) for task, reference in rows]
    return Page[CaseTaskPublic](items=items, next_cursor=next_cursor)


def record_reads(*, session: Session, tasks: Sequence[CaseTaskPublic]) -> None:
    """Record that the principal was shown these tasks' notes, and commit."""
    for task in tasks:
        cases_service.note_shown(session, "case_task", task.id, note=task.note)
    session.commit()


def _queue_callback(
    session: Session, settings: Settings, case: Case, task: CaseTask, *, now: datetime
) -> Call:
    """The outbound call that rings the number at the line's next opening at or after the
    task's due time, as the desk schedules a caller's callback; the routing timer offers it
    when it falls due."""
    due_at = opening_hours_service.next_opening(
        session=session, settings=settings, line=case.line, now=task.due_at
    )
    call = Call(
        line=case.line,
        direction=Direction.outbound,
        status=CallStatus.queued,
        received_at=due_at,
        callback_due_at=due_at,
        callback_requested=True,
        callback_phone=task.callback_phone,
        callback_phone_key=number_key_or_none(settings.number_key, task.callback_phone),
        case_id=case.id,
        created_at=now,
        updated_at=now,
    )
    session.add(call)
    session.flush()
    journal.record(session, call, EventType.queued, at=now, reason="callback")
    return call


def _lock(session: Session, case: Case) -> None:
    """Hold the case's row until the commit: its tasks change one at a time, so that its next
    follow-up and version are worked out from what the others committed (PostgreSQL; SQLite
    writes one at a time anyway)."""
    session.refresh(case, with_for_update=True)


def _follow_up(session: Session, case: Case, now: datetime) -> None:
    """The case's next follow-up from its open tasks (as flushed), and a new version of it."""
    session.flush()
    rows = session.exec(
        select(CaseTask.state, CaseTask.due_at).where(CaseTask.case_id == case.id)
    ).all()
    case.follow_up_due_at = task_rules.follow_up_due_at(
        (TaskState(state), due_at) for state, due_at in rows
    )
    cases_service.touch(case, now)


def _assignee_problems(session: Session, adviser_id: uuid.UUID | None) -> list[FieldProblem]:
    if adviser_id is None:
        return []
    adviser = session.get(Adviser, adviser_id)
    if adviser is None or not adviser.active:
        reason = "no active adviser has this id"
        return [FieldProblem(field="assignee_adviser_id", reason=reason)]
    return []


def announce_due(session: Session, now: datetime) -> None:
    """Tell each assignee's desk of their open tasks that fell due (uncommitted): once each."""
    due = session.exec(
        select(CaseTask)
        .where(
            CaseTask.state == TaskState.open,
            col(CaseTask.due_at) <= now,
            col(CaseTask.due_announced_at).is_(None),
            col(CaseTask.assignee_adviser_id).is_not(None),
        )
        .order_by(col(CaseTask.due_at), col(CaseTask.id))
        .limit(ANNOUNCED_PER_TICK)
    ).all()
    for task in due:
        task.due_announced_at = now
        events_service.publish(
            session,
            type=DeskEventType.task_due,
            at=now,
            adviser_id=task.assignee_adviser_id,
            data={
                "task_id": str(task.id),
                "case_id": str(task.case_id),
                "kind": task.kind,
                "due_at": task.due_at.isoformat(),
            },
        )


case_link.register_tick(announce_due)
