"""The routing lock: routing decisions happen one at a time, across every process."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from service.clock import Clock
from service.routing.models import RoutingLock


def take(session: Session, clock: Clock) -> datetime:
    """Block until this transaction holds the routing lock, and return the decision's time.

    Call it before changing anything: it also expires what the session loaded earlier, so
    every decision is made on state read under the lock. The time is read once the lock is
    held and never runs behind the last decision's, even across servers whose clocks differ:
    so the journal's times follow the order in which decisions were really made.
    """
    session.execute(
        sa.update(RoutingLock).where(col(RoutingLock.id) == 1).values(taken=RoutingLock.taken + 1)
    )
    session.expire_all()
    row = session.get_one(RoutingLock, 1)
    now = clock()
    if row.last_decided_at is not None and row.last_decided_at > now:
        now = row.last_decided_at
    row.last_decided_at = now
    return now
