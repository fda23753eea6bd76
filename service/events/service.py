"""Use cases of the desk's event journal: publish within a change, read what a desk missed."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.events.models import DeskEvent, DeskEventType

# session.info keys: this transaction wrote an event (the hub is woken once it commits),
# and on PostgreSQL it has asked for the NOTIFY that wakes the other processes' hubs.
WROTE = "desk_events_written"
NOTIFIED = "desk_events_notified"
CHANNEL = "desk_event"
# What a reconnecting desk is sent at most in one go; it asks again from the last one.
REPLAY_LIMIT = 1000


def publish(
    session: Session,
    *,
    type: DeskEventType,
    at: datetime,
    adviser_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Add one event to the journal, in the session's transaction (uncommitted)."""
    session.add(DeskEvent(type=type, at=at, adviser_id=adviser_id, data=data or {}))
    session.info[WROTE] = True
    if session.get_bind().dialect.name == "postgresql" and not session.info.get(NOTIFIED):
        # Delivered at commit, and not at all on rollback: LISTEN/NOTIFY is transactional.
        session.execute(sa.select(sa.func.pg_notify(CHANNEL, "")))
        session.info[NOTIFIED] = True


def latest_id(session: Session) -> int:
    """Return the newest event's id, 0 for none."""
    return session.exec(select(sa.func.max(DeskEvent.id))).one() or 0


def after(session: Session, *, after_id: int, limit: int) -> list[DeskEvent]:
    """Return every desk's events after `after_id`, oldest first."""
    return list(
        session.exec(
            select(DeskEvent)
            .where(col(DeskEvent.id) > after_id)
            .order_by(col(DeskEvent.id))
            .limit(limit)
        )
    )


def missed(session: Session, *, adviser_id: uuid.UUID, after_id: int) -> list[DeskEvent]:
    """Return the events one desk missed after `after_id`, its own and every desk's."""
    mine = sa.or_(col(DeskEvent.adviser_id) == adviser_id, col(DeskEvent.adviser_id).is_(None))
    return list(
        session.exec(
            select(DeskEvent)
            .where(col(DeskEvent.id) > after_id, mine, DeskEvent.type != DeskEventType.queue)
            .order_by(col(DeskEvent.id))
            .limit(REPLAY_LIMIT)
        )
    )


def prune(session: Session, *, before: datetime) -> int:
    """Delete the events older than `before` (uncommitted); return how many."""
    result = session.execute(
        sa.delete(DeskEvent).where(col(DeskEvent.at) < before),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def written_by(session: Session) -> bool:
    """Whether the session's transaction wrote an event; forgets it (commit or rollback)."""
    session.info.pop(NOTIFIED, None)
    return bool(session.info.pop(WROTE, False))
