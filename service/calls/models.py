"""The call record: one call to a hotline, from queue to closed classification."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    AwareDatetime,
    StrictBool,
    StringConstraints,
)
from pydantic.config import JsonDict
from sqlmodel import Field, Relationship, SQLModel

from service.audit import registry as audit_registry
from service.calls.lifecycle import CallStatus as CallStatus  # re-exported
from service.calls.phone import normalise_danish_phone
from service.clock import utcnow
from service.db import UTCDateTime, code_type
from service.ids import uuid7
from service.privacy.fields import ShowsRedacted, WithoutCpr
from service.taxonomy.codes import Code as Code  # re-exported
from service.taxonomy.codes import CodeList, Language
from service.text import FreeText
from service.timeutil import CallTime

NOTES_MAX_LENGTH = 4000


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"  # a callback


class WorkplaceSize(StrEnum):
    micro = "1-9"
    small = "10-49"
    medium = "50-249"
    large = "250+"


IndustryCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Notes = Annotated[Annotated[str, FreeText(max_length=NOTES_MAX_LENGTH)], WithoutCpr]
Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(normalise_danish_phone)]

_EXAMPLE: dict[str, Any] = {
    "line": "stress",
    "direction": "inbound",
    "received_at": "2025-06-02T09:14:05+02:00",
    "answered_at": "2025-06-02T09:14:31+02:00",
    "ended_at": "2025-06-02T09:29:10+02:00",
    "caller_type": "employee",
    "sector": "health_social",
    "industry_code": "873000",
    "workplace_size": "50-249",
    "issue_categories": ["violence", "emotional_demands"],
    "advice": ["apv", "involve_representatives"],
    "stress_reported": True,
    "notes": "Social educator at a residential care home; threats from a resident.",
    "callback_requested": False,
    "language": "da",
    "status": "closed",
}


CALL_CREATE_EXAMPLES = {
    "after_the_fact": {
        "summary": "A call recorded after the fact, closed",
        "value": _EXAMPLE,
    },
    "live": {
        "summary": "A live call entering the queue",
        "value": {"line": "managers", "received_at": "2025-06-02T10:02:00+02:00"},
    },
    "abandoned": {
        "summary": "A caller who hung up while waiting",
        "value": {
            "line": "stress",
            "received_at": "2025-06-02T10:05:00+02:00",
            "ended_at": "2025-06-02T10:06:10+02:00",
        },
    },
}


class CallBase(SQLModel):
    line: Code = Field(sa_type=code_type(), foreign_key="line.code")
    direction: Direction = Field(
        default=Direction.inbound, sa_type=sa.String(8), description="`outbound` is a callback."
    )
    received_at: CallTime = Field(
        sa_type=UTCDateTime, description="When the call entered the queue."
    )
    answered_at: CallTime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: CallTime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: CallTime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="When the record was closed; defaults to `ended_at` when closing.",
    )
    adviser_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="adviser.id",
        index=True,
        description="The adviser handling (or offered) the call; set by routing for live calls.",
    )
    caller_type: Code | None = Field(
        default=None, sa_type=code_type(), foreign_key="caller_type.code"
    )
    sector: Code | None = Field(default=None, sa_type=code_type(), foreign_key="sector.code")
    industry_code: IndustryCode | None = Field(
        default=None, sa_type=sa.String(6), description="Optional 6-digit DB07 code."
    )
    workplace_size: WorkplaceSize | None = Field(default=None, sa_type=sa.String(8))
    stress_reported: StrictBool = Field(
        default=False, description="The caller reports stress symptoms."
    )
    notes: Notes | None = Field(default=None, sa_type=sa.Text)
    callback_requested: StrictBool = False
    callback_phone: Phone | None = Field(
        default=None,
        sa_type=sa.String(11),
        description="Danish number, stored as +45XXXXXXXX; only with a callback request.",
    )
    language: Language = Field(default=Language.da, sa_type=sa.String(2))
    priority: int = Field(
        default=0,
        ge=0,
        le=9,
        sa_column_kwargs={"server_default": "0"},
        description="Waiting calls with a higher priority go first.",
    )


def _links_of(model: str) -> dict[str, str]:
    # Link rows live and die with their call, and load in the order the adviser gave.
    return {"order_by": f"{model}.position", "cascade": "all, delete-orphan", "lazy": "selectin"}


class Call(CallBase, table=True):
    __tablename__ = "call"
    __table_args__ = (
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),
        sa.CheckConstraint(
            "status IN ('queued', 'assigned', 'in_progress', 'wrap_up', 'closed', 'abandoned')",
            name="status",
        ),
        sa.CheckConstraint(
            "workplace_size IN ('1-9', '10-49', '50-249', '250+')", name="workplace_size"
        ),
        sa.CheckConstraint("language IN ('da', 'en')", name="language"),
        sa.CheckConstraint(
            "answered_at IS NULL OR answered_at >= received_at", name="answered_after_received"
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= COALESCE(answered_at, received_at)",
            name="ended_after_answered",
        ),
        sa.CheckConstraint(
            "callback_phone IS NULL OR callback_requested", name="phone_only_for_callback"
        ),
        # Listing newest first and the weekly statistics both read by time.
        sa.Index("ix_call_received_at_id", "received_at", "id"),
        sa.Index("ix_call_line_received_at", "line", "received_at"),
        sa.Index("ix_call_status_received_at", "status", "received_at"),
        # Repeat contact: a number's earlier calls, by its keyed hash and time.
        sa.Index("ix_call_callback_phone_key_received_at", "callback_phone_key", "received_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    status: CallStatus = Field(sa_type=sa.String(12))
    # A callback (outbound) waits for this moment; null for calls that wait from received_at.
    callback_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When a transferred call joined its new line's queue; its overflow clock starts there.
    requeued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The call whose caller asked for this callback.
    origin_call_id: uuid.UUID | None = Field(default=None, foreign_key="call.id", index=True)
    # A transfer to a named adviser: only they are offered the call.
    target_adviser_id: uuid.UUID | None = Field(default=None, foreign_key="adviser.id")
    # The case the call belongs to, if any: a call is part of at most one.
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case_file.id", index=True)
    # HMAC-SHA256 (hex) of callback_phone under the server's number_key, for matching a
    # repeat caller; set and erased with the number (service.calls.repeat), never shown.
    callback_phone_key: str | None = Field(default=None, sa_type=sa.String(64))
    hold_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hold_s: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    issue_category_links: list["CallIssueCategory"] = Relationship(
        sa_relationship_kwargs=_links_of("CallIssueCategory")
    )
    advice_links: list["CallAdvice"] = Relationship(sa_relationship_kwargs=_links_of("CallAdvice"))

    @property
    def issue_categories(self) -> list[str]:
        return [link.code for link in self.issue_category_links]

    @property
    def advice(self) -> list[str]:
        return [link.code for link in self.advice_links]


class CallCodeLink(SQLModel):
    """A code a call carries in a many-valued field, at its place in the list."""

    call_id: uuid.UUID = Field(foreign_key="call.id", primary_key=True, ondelete="CASCADE")
    position: int


class CallIssueCategory(CallCodeLink, table=True):
    """One issue category of a call; position 0 is the primary one."""

    __tablename__ = "call_issue_category"

    code: str = Field(
        sa_type=code_type(), foreign_key="issue_category.code", primary_key=True, index=True
    )


class CallAdvice(CallCodeLink, table=True):
    """One kind of advice given on a call, in the order the adviser recorded them."""

    __tablename__ = "call_advice"

    code: str = Field(
        sa_type=code_type(), foreign_key="advice_type.code", primary_key=True, index=True
    )


class CallCreate(CallBase):
    """A call to record: a live one (no `answered_at`) or one recorded after the fact."""

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [_EXAMPLE]}}

    issue_categories: CodeList = Field(
        default_factory=list, max_length=20, description="The first is the primary category."
    )
    advice: CodeList = Field(default_factory=list, max_length=20)
    status: CallStatus | None = Field(
        default=None,
        description="Optional. Status follows from the timestamps; send `closed` to close "
        "the record (then `closed_at` defaults to `ended_at`).",
    )
    origin_call_id: uuid.UUID | None = Field(
        default=None,
        description="For an outbound call: the call it calls back, e.g. an abandoned one.",
    )


# Fields a PATCH may set to null; the others can be changed but not cleared.
NULLABLE_FIELDS = {
    "answered_at",
    "ended_at",
    "closed_at",
    "adviser_id",
    "caller_type",
    "sector",
    "industry_code",
    "workplace_size",
    "notes",
    "callback_phone",
    "status",
}


class CallUpdate(SQLModel):
    """A partial update: only the fields sent change; lists replace the stored list."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "caller_type": "safety_rep",
                    "issue_categories": ["workload", "unclear_demands"],
                    "advice": ["apv"],
                    "status": "closed",
                }
            ]
        },
    }

    line: Code | None = None
    direction: Direction | None = None
    received_at: CallTime | None = None
    answered_at: CallTime | None = None
    ended_at: CallTime | None = None
    closed_at: CallTime | None = None
    adviser_id: uuid.UUID | None = None
    caller_type: Code | None = None
    sector: Code | None = None
    industry_code: IndustryCode | None = None
    workplace_size: WorkplaceSize | None = None
    stress_reported: StrictBool | None = None
    notes: Notes | None = None
    callback_requested: StrictBool | None = None
    callback_phone: Phone | None = None
    language: Language | None = None
    priority: int | None = Field(default=None, ge=0, le=9)
    issue_categories: CodeList | None = Field(default=None, max_length=20)
    advice: CodeList | None = Field(default=None, max_length=20)
    status: CallStatus | None = None


class CallPublic(CallBase, ShowsRedacted):
    FREE_TEXT = ("notes",)

    id: uuid.UUID
    status: CallStatus
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
    issue_categories: list[str]
    advice: list[str]
    notes: str | None = None
    callback_phone: str | None = None
    callback_due_at: AwareDatetime | None = None
    origin_call_id: uuid.UUID | None = None
    target_adviser_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = Field(default=None, description="The case the call is part of.")
    hold_s: int

    @classmethod
    def from_call(cls, call: Call) -> "CallPublic":
        return cls.model_validate(call, from_attributes=True)


# What an adviser typically records at the close: the schema's example and the desk's.
CLOSING_EXAMPLE: JsonDict = {
    "caller_type": "manager",
    "sector": "health_social",
    "issue_categories": ["violence", "emotional_demands"],
    "advice": ["apv", "callback"],
    "stress_reported": False,
    "callback_requested": True,
    "callback_phone": "+45 22 34 56 78",
}


class CallClose(SQLModel):
    """Close a call in wrap-up, recording what is not recorded yet; lists replace."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"adviser_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d", **CLOSING_EXAMPLE}]
        },
    }

    adviser_id: uuid.UUID
    caller_type: Code | None = None
    sector: Code | None = None
    industry_code: IndustryCode | None = None
    workplace_size: WorkplaceSize | None = None
    issue_categories: CodeList | None = Field(default=None, max_length=20)
    advice: CodeList | None = Field(default=None, max_length=20)
    stress_reported: StrictBool | None = None
    notes: Notes | None = None
    callback_requested: StrictBool | None = None
    callback_phone: Phone | None = None


# Changes of a call and of its code lists are on record (`service.audit`).
audit_registry.changes(Call, kind="call")
audit_registry.part(CallIssueCategory, kind="call", parent="call_id", field="issue_categories")
audit_registry.part(CallAdvice, kind="call", parent="call_id", field="advice")
