"""What the desk looks like right now: the queues, and an adviser's calls."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.advisers.models import Adviser, PresenceEvent, PresenceEventPublic
from service.calls.desk_models import AdviserCalls, LineQueue, QueuedCall, QueueSnapshot
from service.calls.dispatch import IN_HAND, waiting_since, waiting_since_sql
from service.calls.journal import CallEvent, EventType
from service.calls.models import Call, CallPublic, CallStatus
from service.calls.related import CallWithContacts
from service.pagination import PageQuery, before_cursor, cut, decode_cursor, encode_cursor
from service.taxonomy.models import Line

RECENT_CALLS = 20


def queue(*, session: Session, now: datetime) -> QueueSnapshot:
    """Return the calls waiting on each line, in the order they will be offered."""
    waited_since = waiting_since_sql()
    calls = session.exec(
        select(Call)
        .where(col(Call.status).in_([CallStatus.queued, CallStatus.assigned]))
        .order_by(col(Call.priority).desc(), waited_since, col(Call.id))
    ).all()
    lines = session.exec(select(Line.code).order_by(col(Line.sort_order), col(Line.code))).all()
    waiting: dict[str, list[QueuedCall]] = {line: [] for line in lines}
    scheduled: dict[str, int] = dict.fromkeys(lines, 0)
    for call in calls:
        since = waiting_since(call)
        if since > now:
            scheduled[call.line] += 1
            continue
        entries = waiting[call.line]
        entries.append(
            QueuedCall(
                call_id=call.id,
                status=call.status,
                direction=call.direction,
                priority=call.priority,
                language=call.language,
                waiting_since=since,
                wait_s=(now - since).total_seconds(),
                position=len(entries) + 1,
                offered_to=call.adviser_id if call.status == CallStatus.assigned else None,
                target_adviser_id=call.target_adviser_id,
            )
        )
    return QueueSnapshot(
        at=now,
        lines=[
            LineQueue(line=line, waiting=waiting[line], scheduled_callbacks=scheduled[line])
            for line in lines
        ],
    )


def adviser_calls(*, session: Session, adviser: Adviser) -> AdviserCalls:
    """Return the calls an adviser has in hand, and the ones they took most recently."""
    current = session.exec(
        select(Call)
        .where(Call.adviser_id == adviser.id, col(Call.status).in_(IN_HAND))
        .order_by(col(Call.received_at))
    ).all()
    taken = (
        select(CallEvent.call_id, sa.func.max(CallEvent.at).label("at"))
        .where(CallEvent.adviser_id == adviser.id, CallEvent.type == EventType.accepted)
        .group_by(col(CallEvent.call_id))
        .subquery()
    )
    current_ids = [call.id for call in current]
    recent = session.exec(
        select(Call)
        .join(taken, taken.c.call_id == Call.id)
        .where(col(Call.id).not_in(current_ids) if current_ids else sa.true())
        .order_by(taken.c.at.desc(), col(Call.id).desc())
        .limit(RECENT_CALLS)
    ).all()
    return AdviserCalls(
        current=[CallWithContacts.of(session, call) for call in current],
        recent=[CallPublic.from_call(call) for call in recent],
    )


def presence_history(
    *, session: Session, adviser: Adviser, page: PageQuery
) -> tuple[list[PresenceEventPublic], str | None]:
    """One page of an adviser's presence changes, newest first, and the next page's cursor."""
    statement = select(PresenceEvent).where(PresenceEvent.adviser_id == adviser.id)
    if page.cursor is not None:
        statement = statement.where(
            before_cursor(PresenceEvent.at, PresenceEvent.id, decode_cursor(page.cursor))
        )
    events = session.exec(
        statement.order_by(col(PresenceEvent.at).desc(), col(PresenceEvent.id).desc()).limit(
            page.limit + 1
        )
    ).all()
    shown, next_cursor = cut(list(events), page.limit, lambda e: encode_cursor(at=e.at, id=e.id))
    return [PresenceEventPublic.model_validate(e, from_attributes=True) for e in shown], next_cursor


def queue_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Each line's waiting calls and its longest wait so far, for every desk.

    As `GET /queue` counts them: the calls queued or offered, callbacks once they are due.
    """
    since = waiting_since_sql()
    due = sa.or_(col(Call.callback_due_at).is_(None), col(Call.callback_due_at) <= now)
    waiting = (
        select(Call.line, sa.func.count(), sa.func.min(since))
        .where(col(Call.status).in_([CallStatus.queued, CallStatus.assigned]), due)
        .group_by(col(Call.line))
    )
    by_line = {line: (n, first) for line, n, first in session.exec(waiting).all()}
    lines = session.exec(select(Line.code).order_by(col(Line.sort_order), col(Line.code))).all()
    summary = []
    for line in lines:
        count, first = by_line.get(line, (0, None))
        longest = None if first is None else max(0.0, (now - first).total_seconds())
        summary.append({"line": line, "waiting": count, "longest_wait_s": longest})
    return {"at": now.isoformat(), "lines": summary}
