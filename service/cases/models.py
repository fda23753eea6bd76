"""The case record: a caller's situation (often one workplace) followed across calls, with its
follow-up tasks, notes, referrals to the inspection and the timeline of what happened."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, AwareDatetime, StrictBool, StringConstraints
from sqlmodel import Field, SQLModel

from service.audit import registry as audit_registry
from service.calls.models import IndustryCode, Notes, WorkplaceSize
from service.cases.referrals import ReferralStatus
from service.cases.states import CaseStatus, WaitingFor
from service.cases.tasks import TaskState
from service.cases.workplace import normalise_cvr, normalise_p_number
from service.clock import utcnow
from service.db import UTCDateTime, code_type
from service.ids import uuid7
from service.privacy.fields import ShowsRedacted, WithoutCpr
from service.taxonomy.codes import Code
from service.text import FreeText

Title = Annotated[Annotated[str, FreeText(min_length=1, max_length=200)], WithoutCpr]
ShortText = Annotated[Annotated[str, FreeText(max_length=200)], WithoutCpr]
Cvr = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalise_cvr)]
PNumber = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalise_p_number)]


class RiskFlag(StrEnum):
    """A risk the case carries that every adviser who opens it must see first."""

    violence_or_threats = "violence_or_threats"
    harassment = "harassment"
    self_harm = "self_harm"
    other = "other"


class Workplace(SQLModel):
    """The workplace a case is about; the first classified call fills in what is missing."""

    model_config = {"extra": "forbid"}

    cvr: Cvr | None = Field(default=None, description="CVR number, 8 digits, check digit valid.")
    p_number: PNumber | None = Field(default=None, description="P-number, 10 digits.")
    name: ShortText | None = None
    address: ShortText | None = None
    sector: Code | None = None
    industry_code: IndustryCode | None = None
    workplace_size: WorkplaceSize | None = None


def workplace_column(field: str) -> str:
    """The case's column that holds a field of its workplace."""
    return field if field == "workplace_size" else f"workplace_{field}"


WORKPLACE_COLUMNS = {field: workplace_column(field) for field in Workplace.model_fields}


def _case_status_check() -> sa.CheckConstraint:
    statuses = ", ".join(f"'{status}'" for status in CaseStatus)
    return sa.CheckConstraint(f"status IN ({statuses})", name="status")


class Case(SQLModel, table=True):
    """One case; `reference` is what people say on the phone, `id` what systems use."""

    __tablename__ = "case_file"  # `case` is a reserved word in SQL
    __table_args__ = (
        _case_status_check(),
        sa.CheckConstraint(
            "previous_status IS NULL OR previous_status IN ('open', 'waiting', 'closed', 'merged')",
            name="previous_status",
        ),
        sa.CheckConstraint(
            "waiting_for IS NULL OR waiting_for IN ('caller', 'third_party')", name="waiting_for"
        ),
        sa.CheckConstraint("status <> 'waiting' OR waiting_for IS NOT NULL", name="waiting_on"),
        sa.CheckConstraint("status <> 'closed' OR outcome IS NOT NULL", name="closed_outcome"),
        sa.CheckConstraint(
            "status <> 'merged' OR merged_into_id IS NOT NULL", name="merged_into_survivor"
        ),
        # The work list and the backlog read open cases by their next follow-up.
        sa.Index("ix_case_file_status_follow_up_due_at", "status", "follow_up_due_at"),
        sa.Index("ix_case_file_created_at_id", "created_at", "id"),
        # The weekly report's backlog: the cases whose status changed since a week's end.
        sa.Index("ix_case_file_status_changed_at", "status_changed_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    reference: str = Field(sa_type=sa.String(16), unique=True)
    line: str = Field(sa_type=code_type(), foreign_key="line.code")
    title: str = Field(sa_type=sa.String(200))
    summary: str | None = Field(default=None, sa_type=sa.Text)
    status: CaseStatus = Field(default=CaseStatus.open, sa_type=sa.String(8))
    status_changed_at: datetime = Field(sa_type=UTCDateTime)
    status_changed_by: str | None = Field(default=None, sa_type=sa.String(200))
    previous_status: CaseStatus | None = Field(default=None, sa_type=sa.String(8))
    waiting_for: WaitingFor | None = Field(default=None, sa_type=sa.String(12))
    owner_adviser_id: uuid.UUID | None = Field(default=None, foreign_key="adviser.id", index=True)
    outcome: str | None = Field(default=None, sa_type=code_type(), foreign_key="case_outcome.code")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    risk_flag: RiskFlag | None = Field(default=None, sa_type=sa.String(24))
    follow_up_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="case_file.id")
    workplace_cvr: str | None = Field(default=None, sa_type=sa.String(8), index=True)
    workplace_p_number: str | None = Field(default=None, sa_type=sa.String(10))
    workplace_name: str | None = Field(default=None, sa_type=sa.String(200))
    workplace_address: str | None = Field(default=None, sa_type=sa.String(200))
    workplace_sector: str | None = Field(
        default=None, sa_type=code_type(), foreign_key="sector.code"
    )
    workplace_industry_code: str | None = Field(default=None, sa_type=sa.String(6))
    workplace_size: str | None = Field(default=None, sa_type=sa.String(8))
    # When retention erased the free text (summary, notes, reasons) of the closed case.
    text_erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def workplace(self) -> Workplace | None:
        values = {field: getattr(self, column) for field, column in WORKPLACE_COLUMNS.items()}
        if all(value is None for value in values.values()):
            return None
        return Workplace.model_validate(values)


class CaseCounter(SQLModel, table=True):
    """The last reference number given out in a year: `2026-00042` is the 42nd of 2026."""

    __tablename__ = "case_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int


class CaseTask(SQLModel, table=True):
    """A follow-up promised on a case: who does what by when."""

    __tablename__ = "case_task"
    __table_args__ = (
        sa.CheckConstraint("state IN ('open', 'done', 'cancelled')", name="state"),
        sa.CheckConstraint(
            "callback_phone IS NULL OR kind = 'callback'", name="phone_only_for_callback"
        ),
        # The work list: open tasks by assignee and due time.
        sa.Index("ix_case_task_assignee_state_due_at", "assignee_adviser_id", "state", "due_at"),
        sa.Index("ix_case_task_state_due_at", "state", "due_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id", index=True)
    kind: str = Field(sa_type=code_type(), foreign_key="task_kind.code")
    state: TaskState = Field(default=TaskState.open, sa_type=sa.String(10))
    due_at: datetime = Field(sa_type=UTCDateTime)
    assignee_adviser_id: uuid.UUID | None = Field(default=None, foreign_key="adviser.id")
    note: str | None = Field(default=None, sa_type=sa.Text)
    # A callback task with a number rings as an outbound call, routed at its due time.
    callback_phone: str | None = Field(default=None, sa_type=sa.String(11))
    call_id: uuid.UUID | None = Field(default=None, foreign_key="call.id")
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the assignee's desk was told the task fell due (`task_due`); cleared when the
    # task is moved or passed on, so that it is told again.
    due_announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseNote(SQLModel, table=True):
    """A note on a case: append-only, CPR numbers taken out before it is stored."""

    __tablename__ = "case_note"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id", index=True)
    body: str | None = Field(sa_type=sa.Text)  # None once retention erased it
    author_adviser_id: uuid.UUID | None = Field(default=None, foreign_key="adviser.id")
    author: str | None = Field(default=None, sa_type=sa.String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseReferral(SQLModel, table=True):
    """A handover of the case to the inspection (or elsewhere), and what became of it."""

    __tablename__ = "case_referral"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('sent', 'acknowledged', 'accepted', 'declined')", name="status"
        ),
        sa.CheckConstraint(
            "workplace_cvr IS NOT NULL OR (workplace_name IS NOT NULL "
            "AND workplace_address IS NOT NULL)",
            name="workplace_named",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id", index=True)
    to: str = Field(sa_type=sa.String(80))
    reason: str | None = Field(sa_type=sa.Text)  # None once retention erased it
    anonymous: bool
    consent: bool
    workplace_cvr: str | None = Field(default=None, sa_type=sa.String(8))
    workplace_name: str | None = Field(default=None, sa_type=sa.String(200))
    workplace_address: str | None = Field(default=None, sa_type=sa.String(200))
    status: ReferralStatus = Field(default=ReferralStatus.sent, sa_type=sa.String(12))
    status_changed_at: datetime = Field(sa_type=UTCDateTime)
    external_reference: str | None = Field(default=None, sa_type=sa.String(100))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseEventType(StrEnum):
    opened = "opened"
    status_changed = "status_changed"
    call_linked = "call_linked"
    call_unlinked = "call_unlinked"
    task_added = "task_added"
    task_changed = "task_changed"
    referral_sent = "referral_sent"
    referral_changed = "referral_changed"
    merged_in = "merged_in"  # another case was merged into this one


class CaseEvent(SQLModel, table=True):
    """A step of a case's timeline that is not a record of its own (notes, calls and tasks are;
    their steps point at them)."""

    __tablename__ = "case_event"
    __table_args__ = (
        sa.Index("ix_case_event_case_id_at", "case_id", "at"),
        # The weekly report's closes and reopenings: the week's status changes, directly.
        sa.Index("ix_case_event_type_at", "type", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id")
    at: datetime = Field(sa_type=UTCDateTime)
    type: CaseEventType = Field(sa_type=sa.String(20))
    actor: str | None = Field(default=None, sa_type=sa.String(200))
    from_status: str | None = Field(default=None, sa_type=sa.String(12))
    to_status: str | None = Field(default=None, sa_type=sa.String(12))
    call_id: uuid.UUID | None = Field(default=None, foreign_key="call.id")
    task_id: uuid.UUID | None = Field(default=None, foreign_key="case_task.id")
    referral_id: uuid.UUID | None = Field(default=None, foreign_key="case_referral.id")
    other_case_id: uuid.UUID | None = Field(default=None, foreign_key="case_file.id")


audit_registry.changes(Case, kind="case")
audit_registry.changes(CaseTask, kind="case_task")
audit_registry.changes(CaseNote, kind="case_note")
audit_registry.changes(CaseReferral, kind="case_referral")


# The API's bodies.


class CaseCreate(SQLModel):
    """A new case, opened on its own or from calls (`call_ids`)."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "line": "stress",
                    "title": "Trusler fra en beboer på et bosted",
                    "summary": "Pædagog på et botilbud; gentagne trusler fra en beboer.",
                    "risk_flag": "violence_or_threats",
                    "workplace": {"cvr": "13585628", "sector": "health_social"},
                    "call_ids": ["0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"],
                }
            ]
        },
    }

    line: Code
    title: Title
    summary: Notes | None = None
    owner_adviser_id: uuid.UUID | None = Field(
        default=None, description="Defaults to the adviser whose token opens the case."
    )
    risk_flag: RiskFlag | None = None
    workplace: Workplace | None = None
    call_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="Calls to link to the new case."
    )


class CaseUpdate(SQLModel):
    """A partial change of a case's record; its status moves by the actions."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"summary": "Arbejdsgiveren har nu lavet en APV.", "risk_flag": None}]
        },
    }

    title: Title | None = None
    summary: Notes | None = None
    owner_adviser_id: uuid.UUID | None = None
    risk_flag: RiskFlag | None = None
    workplace: Workplace | None = Field(
        default=None, description="Replaces the stored workplace; null clears it."
    )


class CasePublic(ShowsRedacted):
    FREE_TEXT = ("summary", "title")

    id: uuid.UUID
    reference: str
    line: str
    title: str
    summary: str | None
    status: CaseStatus
    status_changed_at: AwareDatetime
    status_changed_by: str | None
    previous_status: CaseStatus | None
    waiting_for: WaitingFor | None
    owner_adviser_id: uuid.UUID | None
    outcome: str | None
    closed_at: AwareDatetime | None = Field(description="When it was closed, or merged.")
    risk_flag: RiskFlag | None
    workplace: Workplace | None
    follow_up_due_at: AwareDatetime | None
    merged_into_id: uuid.UUID | None
    text_erased_at: AwareDatetime | None = Field(
        default=None, description="When retention erased the case's free text, if it has."
    )
    call_ids: list[uuid.UUID]
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class CaseClosing(SQLModel):
    """Close a case with its outcome; open tasks block the close unless cancelled with it."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"outcome": "resolved_by_advice", "cancel_open_tasks": False}]
        },
    }

    outcome: Code
    cancel_open_tasks: StrictBool = False


class CaseWaiting(SQLModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"waiting_for": "caller"}]},
    }

    waiting_for: WaitingFor


class CaseMerge(SQLModel):
    """Merge this case into another: the survivor (`into`) takes its calls, tasks and notes."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"into": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"}]},
    }

    into: uuid.UUID


class CallLink(SQLModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"call_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"}]},
    }

    call_id: uuid.UUID


__all__ = [
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseNote",
    "CaseReferral",
    "CaseTask",
]
