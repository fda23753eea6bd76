"""The routing lock: routing decisions happen one at a time, across every process."""

import sqlalchemy as sa
from sqlmodel import Session

from service.routing.models import RoutingLock


def take(session: Session) -> None:
    """Block until this transaction holds the routing lock; it is released at commit.

    Call it before changing anything: it also expires what the session loaded earlier, so
    every decision is made on state read under the lock.
    """
    session.execute(
        sa.update(RoutingLock).where(RoutingLock.id == 1).values(taken=RoutingLock.taken + 1)
    )
    session.expire_all()
