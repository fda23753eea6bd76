"""The call journal: what happened to each call, step by step, and the offers made.

Reports read it; the desk appends to it (`record`) as things happen. Nothing here decides
anything, so reading the journal needs none of the desk's rules.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import computed_field
from sqlmodel import Field, Session, SQLModel, col, select

from service.calls import push
from service.calls.models import Call
from service.db import UTCDateTime, code_type
from service.ids import uuid7
from service.privacy.fields import REDACTED_DESCRIPTION, WithoutCpr, redacted_fields
from service.text import FreeText

# Typed by advisers, who may quote a caller: CPR numbers are taken out before storing.
Reason = Annotated[Annotated[str, FreeText(max_length=200)], WithoutCpr]


class OfferState(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    timed_out = "timed_out"
    cancelled = "cancelled"


class EventType(StrEnum):
    queued = "queued"
    offered = "offered"
    accepted = "accepted"
    rejected = "rejected"
    timed_out = "timed_out"
    offer_cancelled = "offer_cancelled"
    held = "held"
    resumed = "resumed"
    ended = "ended"
    closed = "closed"
    abandoned = "abandoned"
    transferred = "transferred"


class CallOffer(SQLModel, table=True):
    """A call offered to one adviser, until accepted, rejected, timed out or cancelled."""

    __tablename__ = "call_offer"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'rejected', 'timed_out', 'cancelled')", name="state"
        ),
        # The database itself refuses a second live offer of one call.
        sa.Index(
            "uq_call_offer_pending_call_id",
            "call_id",
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        ),
        sa.Index("ix_call_offer_state_expires_at", "state", "expires_at"),
        # For the foreign key: deleting a call must not scan every offer.
        sa.Index("ix_call_offer_call_id", "call_id"),
        sa.Index("ix_call_offer_adviser_id_state", "adviser_id", "state"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    call_id: uuid.UUID = Field(foreign_key="call.id", ondelete="CASCADE")
    adviser_id: uuid.UUID = Field(foreign_key="adviser.id")
    offered_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(default=OfferState.pending, sa_type=sa.String(10))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CallEvent(SQLModel, table=True):
    """One step in a call's life; append-only, so statistics see what really happened."""

    __tablename__ = "call_event"
    __table_args__ = (
        sa.Index("ix_call_event_call_id_at", "call_id", "at"),
        sa.Index("ix_call_event_type_at", "type", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    call_id: uuid.UUID = Field(foreign_key="call.id", ondelete="CASCADE")
    type: str = Field(sa_type=sa.String(16))
    at: datetime = Field(sa_type=UTCDateTime)
    adviser_id: uuid.UUID | None = Field(default=None, foreign_key="adviser.id")
    line: str | None = Field(default=None, sa_type=code_type())
    target_line: str | None = Field(default=None, sa_type=code_type())
    target_adviser_id: uuid.UUID | None = Field(default=None)
    reason: str | None = Field(default=None, sa_type=sa.String(200))


class CallEventPublic(SQLModel):
    id: uuid.UUID
    type: EventType
    at: datetime
    adviser_id: uuid.UUID | None
    line: str | None
    target_line: str | None
    target_adviser_id: uuid.UUID | None
    reason: str | None

    @computed_field(description=REDACTED_DESCRIPTION)  # type: ignore[prop-decorator]  # mypy takes no decorator on a property
    @property
    def redacted(self) -> list[str]:
        return redacted_fields(reason=self.reason)


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
    """Append one event to the call's journal (in the session, uncommitted), and tell the
    advisers' desks of it."""
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
    push.step(session, call, type, at=at, adviser_id=adviser_id)
    return event


def events_of(session: Session, call_id: uuid.UUID) -> list[CallEvent]:
    """Return a call's events in the order they happened."""
    statement = select(CallEvent).where(CallEvent.call_id == call_id)
    return list(session.exec(statement.order_by(col(CallEvent.at), col(CallEvent.id))).all())
