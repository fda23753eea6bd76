"""The desk's event journal: what each adviser's desk is told, in the order it happened.

Written in the same transaction as the change it tells of, so that an event is on record
if and only if the change is; a desk that reconnects reads what it missed from here.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime

# SQLite numbers rows itself only for an INTEGER PRIMARY KEY; AUTOINCREMENT never hands
# out an id twice, even once the newest events are pruned, so a desk's Last-Event-ID
# keeps its meaning.
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# jsonb on PostgreSQL: plain json has no equality, so rows could not even be compared.
EventData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class DeskEventType(StrEnum):
    offer = "offer"
    offer_cancelled = "offer_cancelled"
    call_changed = "call_changed"
    presence = "presence"
    queue = "queue"
    task_due = "task_due"


class DeskEvent(SQLModel, table=True):
    """One event for one adviser's desk, or for every desk (`adviser_id` None)."""

    __tablename__ = "desk_event"
    __table_args__ = (
        sa.Index("ix_desk_event_adviser_id_id", "adviser_id", "id"),
        sa.Index("ix_desk_event_at", "at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, sa_type=EventId, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    type: str = Field(sa_type=sa.String(20))
    # No foreign key: an event outlives nothing it names (pruned within a day), and an
    # adviser or call deleted meanwhile must not block the write of another's change.
    adviser_id: uuid.UUID | None = Field(default=None)
    # Ids and states only: no notes, numbers or names (the desk reads those from the API).
    data: dict[str, Any] = Field(default_factory=dict, sa_type=EventData)
