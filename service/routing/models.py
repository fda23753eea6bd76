"""The live desk's records: offers, the call journal, routing rules and the routing lock."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import computed_field
from sqlmodel import Field, SQLModel

from service.audit import registry as audit_registry
from service.calls.models import CallClose, CallPublic, Code
from service.db import UTCDateTime, code_type
from service.ids import uuid7
from service.privacy.fields import REDACTED_DESCRIPTION, WithoutCpr, redacted_fields
from service.routing.policy import Strategy as Strategy  # re-exported
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


class RoutingRule(SQLModel, table=True):
    """How one line picks among eligible advisers."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        sa.CheckConstraint(
            "strategy IN ('longest_idle', 'fewest_calls_today', 'least_talk_time_today')",
            name="strategy",
        ),
    )

    line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)
    strategy: str = Field(default=Strategy.longest_idle, sa_type=sa.String(24))


class OverflowRule(SQLModel, table=True):
    """A call of `from_line` waiting `after_s` seconds may also go to `to_line`'s advisers."""

    __tablename__ = "overflow_rule"
    __table_args__ = (
        sa.CheckConstraint("after_s >= 0", name="after_s"),
        sa.CheckConstraint("from_line <> to_line", name="other_line"),
    )

    from_line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)
    to_line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)
    after_s: int


class RoutingLock(SQLModel, table=True):
    """One row that every routing decision updates first, so decisions never interleave.

    Updating it takes PostgreSQL's row lock, or SQLite's write lock, until the transaction
    ends; this holds across threads, processes and replicas alike.
    """

    __tablename__ = "routing_lock"

    id: int = Field(primary_key=True)
    taken: int = 0
    last_decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CallEventPublic(SQLModel):
    id: uuid.UUID
    type: EventType
    at: datetime
    adviser_id: uuid.UUID | None
    line: str | None
    target_line: str | None
    target_adviser_id: uuid.UUID | None
    reason: str | None

    @computed_field(description=REDACTED_DESCRIPTION)  # type: ignore[prop-decorator]
    @property
    def redacted(self) -> list[str]:
        return redacted_fields(reason=self.reason)


class OverflowRulePublic(SQLModel):
    model_config = {"extra": "forbid"}

    to_line: Code
    after_s: int = PydanticField(ge=0, le=86_400)


class LineRouting(SQLModel):
    """The routing rules of one line."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "strategy": "least_talk_time_today",
                    "overflow": [{"to_line": "stress", "after_s": 60}],
                }
            ]
        },
    }

    strategy: Strategy = Strategy.longest_idle
    overflow: list[OverflowRulePublic] = PydanticField(default_factory=list, max_length=10)


class LineRoutingPublic(LineRouting):
    line: str


ACTING_ADVISER = (
    "The adviser who acts. An adviser's token acts as its own adviser: it needs no body, and "
    "naming another adviser is 403. A supervisor's or admin's token names the adviser it acts "
    "for (422 without one), except to abandon a call, which needs no adviser."
)


class CallAction(SQLModel):
    """The adviser who acts: the token's own adviser, or the one a supervisor names."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"adviser_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"}]},
    }

    adviser_id: uuid.UUID | None = PydanticField(default=None, description=ACTING_ADVISER)


class CallRejection(CallAction):
    reason: Reason | None = None


class CallTransfer(CallAction):
    """Send a call to another line's queue or to a named adviser, keeping its history."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "adviser_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d",
                    "to_line": "managers",
                    "reason": "The caller is the manager of the team.",
                }
            ]
        },
    }

    to_line: Code | None = None
    to_adviser_id: uuid.UUID | None = None
    reason: Annotated[Annotated[str, FreeText(min_length=1, max_length=200)], WithoutCpr]


class CallClosing(CallClose):
    """Close a call in wrap-up; the adviser who closes it as in every desk action."""

    # Optional here, unlike on a record's closing: an adviser's token names the adviser.
    adviser_id: uuid.UUID | None = PydanticField(  # type: ignore[assignment]
        default=None, description=ACTING_ADVISER
    )


class QueuedCall(SQLModel):
    call_id: uuid.UUID
    status: str
    direction: str
    priority: int
    language: str
    waiting_since: datetime
    wait_s: float
    position: int
    offered_to: uuid.UUID | None
    target_adviser_id: uuid.UUID | None


class LineQueue(SQLModel):
    line: str
    waiting: list[QueuedCall]
    scheduled_callbacks: int


class QueueSnapshot(SQLModel):
    at: datetime
    lines: list[LineQueue]


class AdviserCalls(SQLModel):
    current: list[CallPublic]
    recent: list[CallPublic]


# Changes of a line's routing rule, its overflow included, are on record (`service.audit`).
audit_registry.changes(RoutingRule, kind="routing_rule", named_by="line")
audit_registry.member(OverflowRule, kind="routing_rule", parent="from_line", field="overflow")
