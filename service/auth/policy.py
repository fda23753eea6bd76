"""What an adviser's token reaches: calls they handle or handled, and waiting calls.

Supervisors and admins reach every call; these rules only narrow an adviser's view.
"""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from service.calls.models import Call, CallStatus
from service.routing.models import CallEvent, CallOffer


def adviser_may_see(adviser_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    """The SQL condition on `call` for calls this adviser may read and change."""
    return sa.or_(
        Call.status == CallStatus.queued,
        Call.adviser_id == adviser_id,
        Call.target_adviser_id == adviser_id,
        # Offered to them, or handled by them before a transfer.
        sa.exists().where(CallOffer.call_id == Call.id, CallOffer.adviser_id == adviser_id),
        sa.exists().where(CallEvent.call_id == Call.id, CallEvent.adviser_id == adviser_id),
    )


def may_see_call(*, session: Session, call: Call, adviser_id: uuid.UUID | None) -> bool:
    """Whether this adviser may read and change this call."""
    query = select(Call.id).where(Call.id == call.id, adviser_may_see(adviser_id))
    return session.exec(query).first() is not None


def may_still_change(*, closed_at: datetime | None, now: datetime, hours: float) -> bool:
    """An adviser's change window: open until `hours` after the call was closed."""
    return closed_at is None or now - closed_at <= timedelta(hours=hours)
