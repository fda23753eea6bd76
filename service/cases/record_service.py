"""Use cases of a case's record: its notes, its referrals to the inspection, its timeline."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.audit import service as audit_service
from service.calls.journal import CallEvent, EventType
from service.calls.models import Call
from service.cases import service as cases_service
from service.cases.errors import CaseStateConflict
from service.cases.models import (
    Case,
    CaseEvent,
    CaseEventType,
    CaseNote,
    CaseReferral,
    CaseTask,
)
from service.cases.record_models import (
    CallEntry,
    CallJournal,
    CaseNoteCreate,
    CaseNotePublic,
    CaseReferralChange,
    CaseReferralCreate,
    CaseReferralPublic,
    EventEntry,
    NoteEntry,
    ReferralEntry,
    ReferralWorkplace,
    TaskEntry,
    TimelineEntry,
    TimelineQuery,
)
from service.cases.referrals import ReferralStatus, advance_referral
from service.cases.states import CaseStatus, Refused
from service.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from service.etag import check_if_match
from service.pagination import Page, before_cursor, decode_cursor, encode_cursor

# A note goes on a live case: a closed one is reopened first, a merged one lives on in another.
NOTES_ON = frozenset({CaseStatus.open, CaseStatus.waiting})
REFERRALS_FROM = frozenset({CaseStatus.open, CaseStatus.waiting})


# -- notes ------------------------------------------------------------------------------------


def get_note(*, session: Session, note_id: uuid.UUID) -> CaseNote:
    """The note with this id, or NotFound."""
    note = session.get(CaseNote, note_id)
    if note is None:
        raise NotFound(f"No note has id {note_id}.")
    return note


def add_note(
    *,
    session: Session,
    case: Case,
    note_in: CaseNoteCreate,
    author: str,
    author_adviser_id: uuid.UUID | None,
    now: datetime,
    note_id: uuid.UUID | None = None,
) -> CaseNote:
    """Add a note to an open or waiting case; notes are never changed afterwards."""
    if case.status not in NOTES_ON:
        raise CaseStateConflict(case.status, "Notes are added only to an open or waiting case.")
    note = CaseNote(
        case_id=case.id,
        body=note_in.body,
        author=author,
        author_adviser_id=author_adviser_id,
        created_at=now,
    )
    if note_id is not None:
        note.id = note_id  # promised beforehand, to the request's Idempotency-Key
    session.add(note)
    cases_service.touch(case, now)
    session.commit()
    session.refresh(note)
    return note


def note_public(note: CaseNote) -> CaseNotePublic:
    """The note as the API shows it."""
    return CaseNotePublic.model_validate(note, from_attributes=True)


def record_note_reads(*, session: Session, notes: Sequence[CaseNotePublic]) -> None:
    """Record that the principal was shown these notes' text, and commit."""
    for note in notes:
        cases_service.note_shown(session, "case_note", note.id, body=note.body)
    session.commit()


# -- referrals --------------------------------------------------------------------------------


def get_referral(*, session: Session, referral_id: uuid.UUID) -> CaseReferral:
    """The referral with this id, or NotFound."""
    referral = session.get(CaseReferral, referral_id)
    if referral is None:
        raise NotFound(f"No referral has id {referral_id}.")
    return referral


def send_referral(
    *,
    session: Session,
    case: Case,
    referral_in: CaseReferralCreate,
    actor: str,
    now: datetime,
    referral_id: uuid.UUID | None = None,
) -> CaseReferral:
    """Refer an open or waiting case to the inspection, about its workplace unless told."""
    if case.status not in REFERRALS_FROM:
        raise CaseStateConflict(case.status, "Only an open or waiting case can be referred.")
    problems: list[FieldProblem] = []
    if not referral_in.anonymous and not referral_in.consent:
        reason = "a referral that passes on the caller's identity needs their consent"
        problems.append(FieldProblem(field="consent", reason=reason))
    workplace = referral_in.workplace or ReferralWorkplace(
        cvr=case.workplace_cvr, name=case.workplace_name, address=case.workplace_address
    )
    if not workplace.named:
        told = referral_in.workplace is not None
        reason = "name a CVR number, or a name and an address" + (
            "" if told else ": the case names neither"
        )
        problems.append(FieldProblem(field="workplace", reason=reason))
    if problems:
        raise ValidationFailed(problems)
    referral = CaseReferral(
        case_id=case.id,
        to=referral_in.to,
        reason=referral_in.reason,
        anonymous=referral_in.anonymous,
        consent=referral_in.consent,
        workplace_cvr=workplace.cvr,
        workplace_name=workplace.name,
        workplace_address=workplace.address,
        status=ReferralStatus.sent,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    if referral_id is not None:
        referral.id = referral_id  # promised beforehand, to the request's Idempotency-Key
    session.add(referral)
    session.flush()
    cases_service.record_event(
        session,
        case,
        CaseEventType.referral_sent,
        at=now,
        actor=actor,
        to_status=ReferralStatus.sent.value,
        referral_id=referral.id,
    )
    cases_service.touch(case, now)
    session.commit()
    session.refresh(referral)
    return referral


def referral_of(*, session: Session, case: Case, referral_id: uuid.UUID) -> CaseReferral:
    """The case's referral with this id, or NotFound."""
    referral = session.get(CaseReferral, referral_id)
    if referral is None or referral.case_id != case.id:
        raise NotFound(f"The case has no referral with id {referral_id}.")
    return referral


def change_referral(
    *,
    session: Session,
    case: Case,
    referral: CaseReferral,
    change: CaseReferralChange,
    actor: str,
    if_match: str | None,
    now: datetime,
) -> CaseReferral:
    """Record the inspection's answer to a referral; the same answer again changes nothing."""
    check_if_match(referral, if_match, noun="referral")
    current, new = ReferralStatus(referral.status), ReferralStatus(change.status.value)
    reference = change.external_reference
    if new == current:
        # A retry of the answer already recorded: only a new reference is news.
        if reference is None or reference == referral.external_reference:
            return referral
        referral.external_reference = reference
    else:
        try:
            status = advance_referral(current, new)
        except Refused as exc:
            raise Conflict(str(exc), extensions={"referral_status": current.value}) from None
        cases_service.record_event(
            session,
            case,
            CaseEventType.referral_changed,
            at=now,
            actor=actor,
            from_status=current.value,
            to_status=status.value,
            referral_id=referral.id,
        )
        referral.status, referral.status_changed_at = status, now
        if reference is not None:
            referral.external_reference = reference
        cases_service.touch(case, now)
    referral.version += 1
    referral.updated_at = now
    session.commit()
    session.refresh(referral)
    return referral


def referral_public(referral: CaseReferral) -> CaseReferralPublic:
    """The referral as the API shows it."""
    workplace = ReferralWorkplace.model_construct(
        cvr=referral.workplace_cvr,
        name=referral.workplace_name,
        address=referral.workplace_address,
    )
    values = {
        name: getattr(referral, name)
        for name in CaseReferralPublic.model_fields
        if name != "workplace"
    }
    return CaseReferralPublic.model_validate(values | {"workplace": workplace})


def record_referral_reads(*, session: Session, referrals: Sequence[CaseReferralPublic]) -> None:
    """Record that the principal was shown these referrals' reasons, and commit."""
    for referral in referrals:
        cases_service.note_shown(session, "case_referral", referral.id, reason=referral.reason)
    session.commit()


# -- the timeline -----------------------------------------------------------------------------

# Where each kind of entry comes from: its table, the moment it stands at, and its case.
SOURCES: dict[str, tuple[Any, Any, Any]] = {
    "call": (Call.id, Call.received_at, Call.case_id),
    "note": (CaseNote.id, CaseNote.created_at, CaseNote.case_id),
    "task": (CaseTask.id, CaseTask.created_at, CaseTask.case_id),
    "referral": (CaseReferral.id, CaseReferral.created_at, CaseReferral.case_id),
    "event": (CaseEvent.id, CaseEvent.at, CaseEvent.case_id),
}


def timeline(*, session: Session, case: Case, query: TimelineQuery) -> Page[TimelineEntry]:
    """One page of the case's timeline, newest first: its calls, notes, tasks, referrals and
    its own steps, in one order by (time, id).

    One statement finds the page: each source's `limit + 1` newest before the cursor, and the
    newest `limit + 1` of those; then each kind's rows on the page are loaded by id. Ids are
    UUIDs, unique across the tables, so (time, id) orders every entry, and the cursor is the
    last entry's (time, id).
    """
    cursor = decode_cursor(query.cursor) if query.cursor is not None else None
    branches = []
    for kind, (id_column, at_column, case_column) in SOURCES.items():
        at, id_ = col(at_column), col(id_column)
        conditions = [col(case_column) == case.id]
        if cursor is not None:
            conditions.append(before_cursor(at, id_, cursor))
        newest = (
            sa.select(sa.literal_column(f"'{kind}'").label("kind"), at.label("at"), id_.label("id"))
            .where(*conditions)
            .order_by(at.desc(), id_.desc())
            .limit(query.limit + 1)
            .subquery(f"newest_{kind}")
        )
        branches.append(sa.select(newest.c.kind, newest.c.at, newest.c.id))
    merged = sa.union_all(*branches).subquery("timeline")
    keys = session.execute(
        sa.select(merged.c.kind, merged.c.at, merged.c.id)
        .order_by(merged.c.at.desc(), merged.c.id.desc())
        .limit(query.limit + 1)
    ).all()
    next_cursor = None
    if len(keys) > query.limit:
        keys = keys[: query.limit]
        next_cursor = encode_cursor(at=keys[-1].at, id=keys[-1].id)
    ids: dict[str, list[uuid.UUID]] = {kind: [] for kind in SOURCES}
    for key in keys:
        ids[key.kind].append(key.id)
    entries = _entries(session, ids)
    return Page[TimelineEntry](items=[entries[key.id] for key in keys], next_cursor=next_cursor)


def record_timeline_reads(*, session: Session, entries: Sequence[TimelineEntry]) -> None:
    """Record each free text the principal was shown on a timeline page, and commit."""
    for entry in entries:
        item = entry.root
        if isinstance(item, CallEntry) and item.notes is not None:
            audit_service.note_read(session, call_id=item.id)
        elif isinstance(item, NoteEntry):
            cases_service.note_shown(session, "case_note", item.id, body=item.body)
        elif isinstance(item, TaskEntry):
            cases_service.note_shown(session, "case_task", item.id, note=item.note)
    session.commit()


def _entries(session: Session, ids: dict[str, list[uuid.UUID]]) -> dict[uuid.UUID, TimelineEntry]:
    """The timeline entries of these ids, each kind's rows loaded in one statement."""
    entries: list[CallEntry | NoteEntry | TaskEntry | ReferralEntry | EventEntry] = []
    if ids["call"]:
        calls = session.exec(select(Call).where(col(Call.id).in_(ids["call"]))).all()
        journals = _journals(session, list(calls))
        entries += [_call_entry(call, journals[call.id]) for call in calls]
    if ids["note"]:
        notes = session.exec(select(CaseNote).where(col(CaseNote.id).in_(ids["note"]))).all()
        entries += [
            NoteEntry(
                kind="note",
                at=note.created_at,
                id=note.id,
                body=note.body,
                author=note.author,
                author_adviser_id=note.author_adviser_id,
            )
            for note in notes
        ]
    if ids["task"]:
        tasks = session.exec(select(CaseTask).where(col(CaseTask.id).in_(ids["task"]))).all()
        entries += [
            TaskEntry(
                kind="task",
                at=task.created_at,
                id=task.id,
                task_kind=task.kind,
                state=task.state,
                due_at=task.due_at,
                assignee_adviser_id=task.assignee_adviser_id,
                note=task.note,
            )
            for task in tasks
        ]
    if ids["referral"]:
        statement = select(CaseReferral).where(col(CaseReferral.id).in_(ids["referral"]))
        entries += [
            ReferralEntry(
                kind="referral",
                at=referral.created_at,
                id=referral.id,
                to=referral.to,
                status=referral.status,
                external_reference=referral.external_reference,
            )
            for referral in session.exec(statement).all()
        ]
    if ids["event"]:
        events = session.exec(select(CaseEvent).where(col(CaseEvent.id).in_(ids["event"]))).all()
        entries += [
            EventEntry(
                kind="event",
                at=event.at,
                id=event.id,
                type=event.type,
                from_status=event.from_status,
                to_status=event.to_status,
                actor=event.actor,
                call_id=event.call_id,
                task_id=event.task_id,
                referral_id=event.referral_id,
                other_case_id=event.other_case_id,
            )
            for event in events
        ]
    return {entry.id: TimelineEntry(entry) for entry in entries}


COUNTED = {EventType.offered: "offers", EventType.held: "holds", EventType.transferred: "transfers"}


def _journals(session: Session, calls: list[Call]) -> dict[uuid.UUID, CallJournal]:
    """Each call's journal in brief: its offers, holds and transfers counted in one statement,
    and its talk and hold time from the call."""
    counts: dict[uuid.UUID, dict[str, int]] = {call.id: {} for call in calls}
    rows = session.exec(
        select(CallEvent.call_id, CallEvent.type, sa.func.count())
        .where(
            col(CallEvent.call_id).in_(list(counts)),
            col(CallEvent.type).in_([str(type_) for type_ in COUNTED]),
        )
        .group_by(col(CallEvent.call_id), col(CallEvent.type))
    ).all()
    for call_id, type_, n in rows:
        counts[call_id][COUNTED[EventType(type_)]] = n
    journals = {}
    for call in calls:
        talk_s = None
        if call.answered_at is not None and call.ended_at is not None:
            talk_s = max(0, int((call.ended_at - call.answered_at).total_seconds()) - call.hold_s)
        counted = counts[call.id]
        journals[call.id] = CallJournal(
            offers=counted.get("offers", 0),
            holds=counted.get("holds", 0),
            transfers=counted.get("transfers", 0),
            talk_s=talk_s,
            hold_s=call.hold_s,
        )
    return journals


def _call_entry(call: Call, journal: CallJournal) -> CallEntry:
    return CallEntry(
        kind="call",
        at=call.received_at,
        id=call.id,
        received_at=call.received_at,
        line=call.line,
        direction=call.direction,
        status=call.status,
        caller_type=call.caller_type,
        sector=call.sector,
        issue_categories=call.issue_categories,
        advice=call.advice,
        adviser_id=call.adviser_id,
        notes=call.notes,
        journal=journal,
    )
