"""Personal-data retention: notes and callback numbers are erased, old audit rows deleted,
and the free text of cases closed long ago.

Only what can identify a caller goes: the call and case rows themselves and everything the
statistics read stay, so a week's report is the same before and after. Each kind is erased
with one set-based statement: no call or case is loaded into Python, however many there are.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col

from service.audit import service as audit_service
from service.audit.models import AuditEvent
from service.calls.models import Call, Direction
from service.cases.models import Case, CaseNote, CaseReferral, CaseTask
from service.cases.states import CaseStatus
from service.config import Settings
from service.events import service as events_service
from service.idempotency.models import IdempotencyRecord
from service.tokens import sessions as sessions_service

KEYS_KEPT = timedelta(hours=48)


@dataclass(frozen=True)
class RetentionResult:
    """How many calls lost their notes or callback number, how many audit rows went, and how
    many closed cases lost their free text."""

    notes_erased: int
    phones_erased: int
    audit_rows_deleted: int
    # Zero by default: a result that speaks of calls only (a test's, a stub's) leaves it out.
    case_texts_erased: int = 0


def run_retention(*, session: Session, settings: Settings, now: datetime) -> RetentionResult:
    """Erase the personal data whose retention period has passed, on record, and commit."""
    year_cutoff = now - timedelta(days=settings.retention_days)
    expired = _finished_before(Call, year_cutoff)
    # A call's notes stay while its case is open or waiting: the case is still worked from
    # them. Once the case is closed, the call's own year applies as before.
    notes_erased = _erase(session, col(Call.notes), sa.and_(expired, sa.not_(_in_live_case())))
    phones_erased = _erase(
        session,
        col(Call.callback_phone),
        sa.or_(
            expired,
            _origin_expired(year_cutoff),
            _callback_over(now - timedelta(days=settings.callback_phone_days)),
        ),
        # The number's keyed hash matches repeat calls by it: it goes in the same statement,
        # so it is kept no longer than the number itself.
        with_it=[col(Call.callback_phone_key)],
    )
    # A callback task's copy of the number goes with the number of the call it rang.
    task_phones_erased = _rowcount(
        session.execute(
            sa.update(CaseTask)
            .where(
                col(CaseTask.callback_phone).is_not(None),
                sa.exists().where(
                    col(Call.id) == CaseTask.call_id, col(Call.callback_phone).is_(None)
                ),
            )
            .values(callback_phone=None),
            execution_options={"synchronize_session": False},
        )
    )
    case_texts_erased = _erase_case_text(
        session, cutoff=now - timedelta(days=settings.case_retention_days), now=now
    )
    audit_rows_deleted = _rowcount(
        session.execute(
            sa.delete(AuditEvent).where(
                col(AuditEvent.at) < now - timedelta(days=settings.audit_retention_days)
            ),
            execution_options={"synchronize_session": False},
        )
    )
    # Kept 48 hours, as the API promises: a desk client retrying a day later still replays.
    session.execute(
        sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < now - KEYS_KEPT),
        execution_options={"synchronize_session": False},
    )
    # The desk's events (ids and states, no personal data) are kept for a desk that
    # reconnects; older ones only take space.
    events_service.prune(session, before=now - timedelta(hours=settings.desk_events_kept_h))
    # A web session that ended is only a row that says who was signed in when: not kept.
    sessions_service.prune(session, before=now - timedelta(days=1))
    result = RetentionResult(
        notes_erased=notes_erased,
        phones_erased=phones_erased,
        audit_rows_deleted=audit_rows_deleted,
        case_texts_erased=case_texts_erased,
    )
    erased = {
        "notes": result.notes_erased,
        "callback_phone": result.phones_erased,
        "task_callback_phone": task_phones_erased,
        "audit_event": result.audit_rows_deleted,
        "case_text": result.case_texts_erased,
    }
    # The run is stamped with its own time, whatever request this session served before.
    session.info["now"] = now
    audit_service.record(
        session,
        action="retention.run",
        object_type="call",
        object_id=None,
        # What went and how much of it, as `field:count` (the trail has no column for a
        # count): which calls lost it is not kept, since that would be a list to erase too.
        fields=[f"{kind}:{count}" for kind, count in erased.items() if count],
    )
    session.commit()
    return result


def _in_live_case() -> sa.ColumnElement[bool]:
    """Calls that are part of an open or waiting case."""
    return sa.exists().where(
        col(Case.id) == Call.case_id, col(Case.status).in_([CaseStatus.open, CaseStatus.waiting])
    )


def _erase_case_text(session: Session, *, cutoff: datetime, now: datetime) -> int:
    """Erase the free text of the cases closed at or before `cutoff`; how many cases it was.

    What people wrote goes: the summary, the notes, the task notes, the referrals' reasons and
    the workplace's name and address (a small workplace's name can point at the caller). The
    title, the CVR, every code, time and status stay, so no figure changes. A reopened case
    has no closing time and is not due. A case counts when it is first stamped
    `text_erased_at`, and again only if it holds text again (reopened, written in, closed
    and past its time once more).
    """
    due = sa.and_(col(Case.closed_at).is_not(None), col(Case.closed_at) <= cutoff)
    # The case's own columns go first, while its rows' text still shows which cases hold any.
    cases = _rowcount(
        session.execute(
            sa.update(Case)
            .where(due, sa.or_(col(Case.text_erased_at).is_(None), _case_holds_text()))
            .values(summary=None, workplace_name=None, workplace_address=None, text_erased_at=now),
            execution_options={"synchronize_session": False},
        )
    )
    due_ids = sa.select(col(Case.id)).where(due)
    rows: list[tuple[type[CaseNote | CaseTask | CaseReferral], dict[str, None], Any]] = [
        (CaseNote, {"body": None}, col(CaseNote.body).is_not(None)),
        (CaseTask, {"note": None}, col(CaseTask.note).is_not(None)),
        (CaseReferral, {"reason": None}, col(CaseReferral.reason).is_not(None)),
        (CaseReferral, {"workplace_name": None, "workplace_address": None}, _named_by_cvr()),
    ]
    for model, values, holding in rows:
        # Like the calls: version and updated_at stay, the run's audit row says what went.
        session.execute(
            sa.update(model).where(col(model.case_id).in_(due_ids), holding).values(values),
            execution_options={"synchronize_session": False},
        )
    return cases


def _named_by_cvr() -> sa.ColumnElement[bool]:
    # A referral must name its workplace by CVR or by name and address (a check on the
    # table): the name and address go only where a CVR names the workplace without them.
    return sa.and_(
        col(CaseReferral.workplace_cvr).is_not(None),
        sa.or_(
            col(CaseReferral.workplace_name).is_not(None),
            col(CaseReferral.workplace_address).is_not(None),
        ),
    )


def _case_holds_text() -> sa.ColumnElement[bool]:
    """Cases still holding free text that retention erases, on the case or in its rows."""
    return sa.or_(
        col(Case.summary).is_not(None),
        col(Case.workplace_name).is_not(None),
        col(Case.workplace_address).is_not(None),
        sa.exists().where(col(CaseNote.case_id) == Case.id, col(CaseNote.body).is_not(None)),
        sa.exists().where(col(CaseTask.case_id) == Case.id, col(CaseTask.note).is_not(None)),
        sa.exists().where(
            col(CaseReferral.case_id) == Case.id,
            sa.or_(col(CaseReferral.reason).is_not(None), _named_by_cvr()),
        ),
    )


def _callback_over(cutoff: datetime) -> sa.ColumnElement[bool]:
    """Calls whose callback number has served its purpose since before `cutoff`.

    The number exists for calling back: it stays while a callback is waiting or going on,
    and goes a set time after the last callback ended, reached or not (an unanswered
    attempt schedules no other), or after the call itself ended when none was scheduled
    (a call recorded after the fact).
    """
    callback = aliased(Call)
    pending_or_recent = sa.exists().where(
        col(callback.origin_call_id) == Call.id,
        col(callback.direction) == Direction.outbound,
        sa.or_(_finished(callback).is_(None), _finished(callback) >= cutoff),
    )
    return sa.and_(_finished_before(Call, cutoff), sa.not_(pending_or_recent))


def _origin_expired(cutoff: datetime) -> sa.ColumnElement[bool]:
    """Callbacks whose origin finished before `cutoff`: the copy of the number a callback
    carries to ring goes with the origin's, even while the callback still waits."""
    origin = aliased(Call)
    return sa.exists().where(
        col(origin.id) == Call.origin_call_id, _finished_before(origin, cutoff)
    )


def _finished(call: type[Call]) -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(call.closed_at, call.ended_at)


def _finished_before(call: type[Call], cutoff: datetime) -> sa.ColumnElement[bool]:
    # A call that was never closed (the caller hung up) is finished when it ended; one that
    # has not even ended is still going on and keeps everything.
    return _finished(call) < cutoff


def _erase(
    session: Session,
    column: Mapped[str | None],
    condition: sa.ColumnElement[bool],
    *,
    with_it: Sequence[Mapped[str | None]] = (),
) -> int:
    # Only rows that still hold a value: a second run touches nothing and reports zero.
    # version and updated_at stay: the erasure is on record in the audit trail, and is not
    # an edit of the call.
    erased = {column: None} | {also: None for also in with_it}
    return _rowcount(
        session.execute(
            sa.update(Call).where(column.is_not(None), condition).values(erased),
            # The commit below expires every loaded call; fetching the matched ids to keep
            # them in step would load what this statement exists to avoid loading.
            execution_options={"synchronize_session": False},
        )
    )


def _rowcount(result: sa.Result[*tuple[Any, ...]]) -> int:
    # An UPDATE or DELETE answers with a CursorResult, the kind of result that counts rows.
    if not isinstance(result, sa.CursorResult):
        raise TypeError(f"not the result of a DML statement: {type(result).__name__}")
    return result.rowcount
