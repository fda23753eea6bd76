"""What an adviser's token reaches (calls they handle or handled, and waiting calls), and
for how long they may change a call.

Supervisors and admins reach every call; these rules only narrow an adviser's view.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.auth.models import Principal, Role
from service.calls.errors import ChangeWindowClosed, ClosingIsFixed
from service.calls.journal import CallEvent, CallOffer, EventType, OfferState
from service.calls.models import Call, CallStatus
from service.config import Settings


def adviser_may_see(adviser_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    """The SQL condition on `call` for calls this adviser may read and change."""
    if adviser_id is None:
        # `adviser_id == None` would be IS NULL: every call nobody handles.
        return col(Call.status) == CallStatus.queued
    return sa.or_(
        col(Call.status) == CallStatus.queued,
        col(Call.adviser_id) == adviser_id,
        col(Call.target_adviser_id) == adviser_id,
        # They must see what they are offered to decide on it.
        sa.exists().where(
            col(CallOffer.call_id) == col(Call.id),
            col(CallOffer.adviser_id) == adviser_id,
            col(CallOffer.state) == OfferState.pending,
        ),
        # Handled by them before a transfer, or said by them to be abandoned (so that a
        # retry of their abandon replays). An offer they rejected or let pass gives no
        # reach: the call was never theirs, and its notes are another adviser's.
        sa.exists().where(
            col(CallEvent.call_id) == col(Call.id),
            col(CallEvent.adviser_id) == adviser_id,
            col(CallEvent.type).in_([EventType.accepted, EventType.abandoned]),
        ),
    )


def may_see_call(*, session: Session, call: Call, adviser_id: uuid.UUID | None) -> bool:
    """Whether this adviser may read and change this call."""
    query = select(Call.id).where(Call.id == call.id, adviser_may_see(adviser_id))
    return session.exec(query).first() is not None


def may_still_change(*, closed_at: datetime | None, now: datetime, hours: float) -> bool:
    """An adviser's change window: open until `hours` after the call was closed."""
    return closed_at is None or now - closed_at <= timedelta(hours=hours)


def moved_closing(*, closed_at: datetime | None, changes: Mapping[str, Any]) -> str | None:
    """The field by which a change reopens a closed call or moves its closing, if it does.

    The change window runs from the closing: an adviser who could move it would never see
    it close. `changes` are the fields a client sent, by name.
    """
    if closed_at is None:
        return None
    if "closed_at" in changes and changes["closed_at"] != closed_at:
        return "closed_at"
    if changes.get("status") not in (None, CallStatus.closed):
        return "status"
    return None


def ensure_may_change(
    principal: Principal,
    closed_at: datetime | None,
    now: datetime,
    changes: Mapping[str, Any],
    settings: Settings,
) -> None:
    """An adviser changes a call until hours after its closing, which they may not move."""
    if principal.role != Role.adviser:
        return
    hours = settings.adviser_edit_hours
    if not may_still_change(closed_at=closed_at, now=now, hours=hours):
        raise ChangeWindowClosed(hours)
    # Inside the window too: moving the closing would move the window along with it.
    moved = moved_closing(closed_at=closed_at, changes=changes)
    if moved is not None:
        raise ClosingIsFixed(moved)
