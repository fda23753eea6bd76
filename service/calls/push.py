"""What the desk's steps tell the advisers' desks (`service.events`).

Called where the steps happen, in their transactions. Only ids and states go into the
journal of events; the desk's stream reads the call itself when it sends an offer.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.calls.models import Call
from service.events import service as events_service
from service.events.models import DeskEventType

# The journal's steps that end an offer without an answer, and the reason the desk is told.
_OFFER_ENDED = {"rejected": "rejected", "timed_out": "timed_out", "offer_cancelled": "cancelled"}
# The steps that change what waits in the queues (or who it is offered to).
_QUEUE_STEPS = frozenset(
    {"queued", "offered", "accepted", "abandoned", "transferred", *_OFFER_ENDED}
)


def step(
    session: Session, call: Call, type: str, *, at: datetime, adviser_id: uuid.UUID | None
) -> None:
    """Tell the desks of one step of a call's journal (`adviser_id`: the event's)."""
    if type == "offered":
        _publish(session, DeskEventType.offer, at, adviser_id, call_id=str(call.id))
    elif type in _OFFER_ENDED:
        reason = _OFFER_ENDED[type]
        offer_ended(session, call_id=call.id, adviser_id=adviser_id, at=at, reason=reason)
    else:
        handler = call.adviser_id or adviser_id
        data = {"call_id": str(call.id), "step": type, "status": str(call.status)}
        _publish(session, DeskEventType.call_changed, at, handler, **data)
    if type in _QUEUE_STEPS:
        events_service.publish(session, type=DeskEventType.queue, at=at, data={"line": call.line})


def offer_ended(
    session: Session,
    *,
    call_id: uuid.UUID,
    adviser_id: uuid.UUID | None,
    at: datetime,
    reason: str,
) -> None:
    """Tell the adviser a call offered to them is no longer theirs to take."""
    _publish(
        session, DeskEventType.offer_cancelled, at, adviser_id, call_id=str(call_id), reason=reason
    )


def presence(session: Session, *, adviser_id: uuid.UUID, presence: str, at: datetime) -> None:
    """Tell the adviser's desk what the desk now shows them as."""
    _publish(
        session, DeskEventType.presence, at, adviser_id, presence=presence, since=at.isoformat()
    )


def _publish(
    session: Session,
    type: DeskEventType,
    at: datetime,
    adviser_id: uuid.UUID | None,
    **data: Any,
) -> None:
    if adviser_id is not None:
        events_service.publish(session, type=type, at=at, adviser_id=adviser_id, data=data)
