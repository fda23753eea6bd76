"""Use cases of the case record: open, read, change, list, and link calls to a case."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from service.advisers.models import Adviser
from service.audit import service as audit_service
from service.calls import case_link
from service.calls.models import Call
from service.cases import permissions
from service.cases.errors import CallInAnotherCase, CaseNotFound
from service.cases.filters import CaseQuery
from service.cases.models import (
    WORKPLACE_COLUMNS,
    Case,
    CaseCounter,
    CaseCreate,
    CaseEvent,
    CaseEventType,
    CasePublic,
    CaseTask,
    CaseUpdate,
    Workplace,
)
from service.cases.reference import format_reference
from service.cases.states import CaseStatus
from service.cases.tasks import TaskState
from service.config import Settings
from service.db import UTCDateTime
from service.errors import FieldProblem, ValidationFailed
from service.etag import check_if_match
from service.pagination import Page, decode_cursor, encode_cursor
from service.taxonomy import service as taxonomy_service

LIVE = (CaseStatus.open, CaseStatus.waiting)
# A record's id promised beforehand (to an Idempotency-Key), or None for a new one.
Id = uuid.UUID | None


def get(*, session: Session, case_id: uuid.UUID) -> Case:
    """The case with this id, or CaseNotFound."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case


def facts(*, session: Session, case: Case) -> permissions.CaseFacts:
    """What the permissions need to know of a case: its status and the advisers part of it."""
    assignees = session.exec(
        select(CaseTask.assignee_adviser_id).where(
            CaseTask.case_id == case.id, col(CaseTask.assignee_adviser_id).is_not(None)
        )
    ).all()
    handlers = session.exec(
        select(Call.adviser_id).where(Call.case_id == case.id, col(Call.adviser_id).is_not(None))
    ).all()
    return permissions.CaseFacts(
        status=case.status,
        owner_adviser_id=case.owner_adviser_id,
        task_assignee_ids=frozenset(a for a in assignees if a is not None),
        call_adviser_ids=frozenset(a for a in handlers if a is not None),
    )


def adviser_may_see(adviser_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    """`permissions.may_see` for an adviser, as SQL over `case_file`, for listings."""
    if adviser_id is None:
        return sa.false()
    has_task = sa.exists().where(
        col(CaseTask.case_id) == Case.id, col(CaseTask.assignee_adviser_id) == adviser_id
    )
    handled = sa.exists().where(col(Call.case_id) == Case.id, col(Call.adviser_id) == adviser_id)
    return sa.and_(
        col(Case.status).in_(LIVE),
        sa.or_(col(Case.owner_adviser_id) == adviser_id, has_task, handled),
    )


def public(*, session: Session, case: Case) -> CasePublic:
    """The case as the API shows it, with the ids of its calls, oldest first."""
    call_ids = session.exec(
        select(Call.id).where(Call.case_id == case.id).order_by(col(Call.received_at), col(Call.id))
    ).all()
    values = {name: getattr(case, name) for name in CasePublic.model_fields if name != "call_ids"}
    return CasePublic.model_validate(values | {"call_ids": list(call_ids)})


@dataclass(frozen=True)
class Opener:
    """Who opens a case and when: `actor` for its timeline, an adviser to own it by default."""

    actor: str
    adviser_id: uuid.UUID | None
    now: datetime


def create(
    *,
    session: Session,
    settings: Settings,
    case_in: CaseCreate,
    opener: Opener,
    case_id: uuid.UUID | None = None,
) -> Case:
    """Open a case, from calls if named; an adviser who opens it owns it unless told."""
    case = _build(session, settings, case_in, opener, case_id)
    session.commit()
    session.refresh(case)
    return case


def _build(
    session: Session, settings: Settings, case_in: CaseCreate, opener: Opener, case_id: Id
) -> Case:
    """A new case, added to the session with its calls linked; uncommitted."""
    actor, now = opener.actor, opener.now
    _check_codes(session, line=case_in.line, workplace=case_in.workplace)
    owner_id = case_in.owner_adviser_id or opener.adviser_id
    _check_adviser(session, owner_id, field="owner_adviser_id")
    calls = _calls_to_link(session, case_in.call_ids, case_id=None)
    case = Case(
        reference=_next_reference(session, settings, now),
        line=case_in.line,
        title=case_in.title,
        summary=case_in.summary,
        status=CaseStatus.open,
        status_changed_at=now,
        status_changed_by=actor,
        owner_adviser_id=owner_id,
        risk_flag=case_in.risk_flag,
        created_at=now,
        updated_at=now,
    )
    if case_id is not None:
        case.id = case_id  # promised beforehand, to the request's Idempotency-Key
    _set_workplace(case, case_in.workplace)
    session.add(case)
    session.flush()
    record_event(session, case, CaseEventType.opened, at=now, actor=actor, to_status="open")
    for call in calls:
        _link(session, case, call, at=now, actor=actor)
    return case


def update(
    *,
    session: Session,
    case: Case,
    case_in: CaseUpdate,
    if_match: str | None,
    now: datetime,
) -> Case:
    """Change the fields sent of a case's record; its status moves only by the actions."""
    check_if_match(case, if_match, noun="case")
    changes = case_in.model_dump(exclude_unset=True)
    for field in ("title", "owner_adviser_id"):
        if field in changes and changes[field] is None:
            reason = "cannot be cleared" if field == "title" else "name an adviser to own it"
            raise ValidationFailed([FieldProblem(field=field, reason=reason)])
    if "workplace" in case_in.model_fields_set:
        _check_codes(session, line=None, workplace=case_in.workplace)
        _set_workplace(case, case_in.workplace)
        changes.pop("workplace")
    if "owner_adviser_id" in changes:
        _check_adviser(session, changes["owner_adviser_id"], field="owner_adviser_id")
    for field, value in changes.items():
        setattr(case, field, value)
    touch(case, now)
    session.commit()
    session.refresh(case)
    return case


def list_cases(
    *, session: Session, query: CaseQuery, now: datetime, scope: sa.ColumnElement[bool] | None
) -> Page[CasePublic]:
    """One page of cases matching the filters (and `scope`), newest first."""
    taxonomy_service.check_line_filter(session=session, line=query.line)
    statement = select(Case)
    if scope is not None:
        statement = statement.where(scope)
    conditions: dict[str, Callable[[Any], sa.ColumnElement[bool]]] = {
        "status": lambda v: col(Case.status) == v,
        "line": lambda v: col(Case.line) == v,
        "owner_adviser_id": lambda v: col(Case.owner_adviser_id) == v,
        "follow_up_before": lambda v: col(Case.follow_up_due_at) < v,
        "cvr": lambda v: col(Case.workplace_cvr) == v,
        "created_from": lambda v: col(Case.created_at) >= v,
        "created_to": lambda v: col(Case.created_at) < v,
    }
    for name, condition in conditions.items():
        value = getattr(query, name)
        if value is not None:
            statement = statement.where(condition(value))
    if query.overdue is not None:
        overdue = sa.and_(col(Case.status).in_(LIVE), col(Case.follow_up_due_at) < now)
        statement = statement.where(overdue if query.overdue else sa.not_(overdue))
    if query.cursor is not None:
        cursor = decode_cursor(query.cursor)
        key = sa.tuple_(sa.literal(cursor.at, UTCDateTime()), sa.literal(cursor.id, sa.Uuid()))
        statement = statement.where(sa.tuple_(col(Case.created_at), col(Case.id)) < key)
    statement = statement.order_by(col(Case.created_at).desc(), col(Case.id).desc())
    cases = list(session.exec(statement.limit(query.limit + 1)).all())
    next_cursor = None
    if len(cases) > query.limit:
        cases = cases[: query.limit]
        next_cursor = encode_cursor(at=cases[-1].created_at, id=cases[-1].id)
    items = [public(session=session, case=case) for case in cases]
    return Page[CasePublic](items=items, next_cursor=next_cursor)


def link_call(
    *, session: Session, case: Case, call_id: uuid.UUID, actor: str, now: datetime
) -> Case:
    """Make a call part of the case (it may be part of no other)."""
    (call,) = _calls_to_link(session, [call_id], case_id=case.id)
    if call.case_id != case.id:
        _link(session, case, call, at=now, actor=actor)
        touch(case, now)
    session.commit()
    session.refresh(case)
    return case


def unlink_call(
    *, session: Session, case: Case, call_id: uuid.UUID, actor: str, now: datetime
) -> Case:
    """Take a call out of the case; it stays a call of its own."""
    call = session.get(Call, call_id)
    if call is None or call.case_id != case.id:
        reason = "the case has no call with this id"
        raise ValidationFailed([FieldProblem(field="call_id", reason=reason, location="path")])
    call.case_id = None
    record_event(session, case, CaseEventType.call_unlinked, at=now, actor=actor, call_id=call.id)
    touch(case, now)
    session.commit()
    session.refresh(case)
    return case


def note_shown(session: Session, kind: str, record_id: uuid.UUID, **texts: str | None) -> None:
    """Put on record that the principal is shown these free texts of a case record (those
    that hold any); uncommitted, for the answer's commit."""
    fields = [name for name, text in texts.items() if text is not None]
    if fields:
        action, object_id = f"{kind}.read", str(record_id)
        audit_service.record(
            session, action=action, object_type=kind, object_id=object_id, fields=fields
        )


def record_reads(*, session: Session, cases: Sequence[CasePublic]) -> None:
    """Record that the principal was shown these cases' free text, and commit."""
    for case in cases:
        note_shown(session, "case", case.id, title=case.title, summary=case.summary)
    session.commit()


def record_event(
    session: Session,
    case: Case,
    type_: CaseEventType,
    *,
    at: datetime,
    actor: str | None,
    from_status: str | None = None,
    to_status: str | None = None,
    call_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    referral_id: uuid.UUID | None = None,
    other_case_id: uuid.UUID | None = None,
) -> None:
    """Add a step to the case's timeline, committed with the use case's change."""
    event = CaseEvent(
        case_id=case.id,
        type=type_,
        at=at,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        call_id=call_id,
        task_id=task_id,
        referral_id=referral_id,
        other_case_id=other_case_id,
    )
    session.add(event)


def record_task_change(
    session: Session,
    case: Case,
    task_id: uuid.UUID,
    change: tuple[str, str],
    *,
    actor: str,
    at: datetime,
) -> None:
    """Add a task's change of state, `(from, to)`, to the case's timeline."""
    from_status, to_status = change
    record_event(
        session,
        case,
        CaseEventType.task_changed,
        at=at,
        actor=actor,
        task_id=task_id,
        from_status=from_status,
        to_status=to_status,
    )


def touch(case: Case, now: datetime) -> None:
    """A change of the case: a new version (and ETag), and when."""
    case.version += 1
    case.updated_at = now


def open_task_ids(session: Session, case: Case) -> list[uuid.UUID]:
    """The case's open tasks, oldest first."""
    statement = select(CaseTask.id).where(
        CaseTask.case_id == case.id, CaseTask.state == TaskState.open
    )
    return list(session.exec(statement.order_by(col(CaseTask.created_at))).all())


def next_follow_up(session: Session, case: Case) -> datetime | None:
    """When the case next needs following up: the earliest due time of its open tasks."""
    statement = select(sa.func.min(CaseTask.due_at)).where(
        CaseTask.case_id == case.id, CaseTask.state == TaskState.open
    )
    return session.exec(statement).one()


def _link(session: Session, case: Case, call: Call, *, at: datetime, actor: str) -> None:
    call.case_id = case.id
    record_event(session, case, CaseEventType.call_linked, at=at, actor=actor, call_id=call.id)
    # The first classified call tells the case its workplace, where the case does not say.
    if case.workplace_sector is None and call.sector is not None:
        case.workplace_sector = call.sector
    if case.workplace_industry_code is None and call.industry_code is not None:
        case.workplace_industry_code = call.industry_code
    if case.workplace_size is None and call.workplace_size is not None:
        case.workplace_size = call.workplace_size


def _calls_to_link(
    session: Session, call_ids: Sequence[uuid.UUID], *, case_id: uuid.UUID | None
) -> list[Call]:
    calls, problems = [], []
    for index, call_id in enumerate(call_ids):
        call = session.get(Call, call_id)
        field = f"call_ids.{index}" if case_id is None else "call_id"
        if call is None:
            problems.append(FieldProblem(field=field, reason="no call has this id"))
            continue
        if call.case_id is not None and call.case_id != case_id:
            raise CallInAnotherCase(call.id, call.case_id)
        calls.append(call)
    if problems:
        raise ValidationFailed(problems)
    return calls


def _next_reference(session: Session, settings: Settings, now: datetime) -> str:
    """The next human reference of the year (local time), counted in the database.

    One statement that adds the year or counts on from it: two cases opened at once on
    PostgreSQL wait for each other's row, so no number is given twice or skipped.
    """
    year = now.astimezone(ZoneInfo(settings.timezone)).year
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(CaseCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["year"], set_={"last_number": CaseCounter.last_number + 1}
        )
        .returning(col(CaseCounter.last_number))
    )
    number = session.execute(statement).scalar_one()
    return format_reference(year, number)


def _set_workplace(case: Case, workplace: Workplace | None) -> None:
    values = workplace.model_dump() if workplace is not None else {}
    for field, column in WORKPLACE_COLUMNS.items():
        setattr(case, column, values.get(field))


def _check_codes(session: Session, *, line: str | None, workplace: Workplace | None) -> None:
    checks = []
    if line is not None:
        checks.append(taxonomy_service.CodeCheck("line", "line", [line]))
    if workplace is not None and workplace.sector is not None:
        checks.append(taxonomy_service.CodeCheck("sector", "workplace.sector", [workplace.sector]))
    problems = taxonomy_service.check_codes(session=session, checks=checks) if checks else []
    if problems:
        raise ValidationFailed(problems)


def _check_adviser(session: Session, adviser_id: uuid.UUID | None, *, field: str) -> None:
    if adviser_id is None:
        return
    adviser = session.get(Adviser, adviser_id)
    if adviser is None or not adviser.active:
        raise ValidationFailed([FieldProblem(field=field, reason="no active adviser has this id")])


def _case_at_close(
    *,
    session: Session,
    call: Call,
    request: case_link.CaseAtClose,
    adviser_id: uuid.UUID,
    settings: Settings,
    now: datetime,
) -> None:
    """A call's close opens a case for it, or makes it part of an open case the adviser may
    change; uncommitted, in the close's transaction."""
    actor = f"adviser:{adviser_id}"
    if request.join_case_id is not None and request.open_case is not None:
        reason = "open a case or join one, not both"
        raise ValidationFailed([FieldProblem(field="open_case", reason=reason)])
    if request.open_case is not None:
        case_in = CaseCreate(line=call.line, title=request.open_case.title, call_ids=[call.id])
        _build(session, settings, case_in, Opener(actor, adviser_id, now), None)
        return
    assert request.join_case_id is not None
    case = session.get(Case, request.join_case_id)
    live = case is not None and case.status in LIVE
    if (
        case is None
        or not live
        or not permissions.may_change("adviser", adviser_id, facts(session=session, case=case))
    ):
        reason = "no open case you may change has this id"
        raise ValidationFailed([FieldProblem(field="join_case_id", reason=reason)])
    (call,) = _calls_to_link(session, [call.id], case_id=case.id)
    if call.case_id != case.id:
        _link(session, case, call, at=now, actor=actor)
        touch(case, now)


case_link.register(_case_at_close)
