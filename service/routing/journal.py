"""The call journal: every step of a live call, appended as it happens."""

import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from service.calls.models import Call
from service.routing.models import CallEvent, EventType


def record(
    session: Session,
    call: Call,
    type: EventType,
    *,
    at: datetime,
    adviser_id: uuid.UUID | None = None,
    target_line: str | None = None,
    target_adviser_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> CallEvent:
    """Append one event to the call's journal (in the session, uncommitted)."""
    event = CallEvent(
        call_id=call.id,
        type=type,
        at=at,
        adviser_id=adviser_id,
        line=call.line,
        target_line=target_line,
        target_adviser_id=target_adviser_id,
        reason=reason,
    )
    session.add(event)
    return event


def events_of(session: Session, call_id: uuid.UUID) -> list[CallEvent]:
    """Return a call's events in the order they happened."""
    statement = select(CallEvent).where(CallEvent.call_id == call_id)
    return list(session.exec(statement.order_by(col(CallEvent.at), col(CallEvent.id))).all())
