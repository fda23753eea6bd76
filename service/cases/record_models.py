"""The API's bodies for a case's notes, its referrals to the inspection and its timeline."""

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, RootModel, StrictBool
from sqlmodel import SQLModel

from service.calls.models import CallStatus, Direction
from service.cases.models import CaseEventType, Cvr, ShortText
from service.cases.referrals import ReferralStatus
from service.cases.tasks import TaskState
from service.pagination import DEFAULT_LIMIT, MAX_LIMIT
from service.privacy.fields import ShowsRedacted, WithoutCpr
from service.text import FreeText

NOTE_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000

NoteBody = Annotated[Annotated[str, FreeText(min_length=1, max_length=NOTE_MAX_LENGTH)], WithoutCpr]
Recipient = Annotated[
    Annotated[str, FreeText(min_length=1, max_length=80, strip_whitespace=True)], WithoutCpr
]
Reason = Annotated[Annotated[str, FreeText(min_length=1, max_length=REASON_MAX_LENGTH)], WithoutCpr]
# The inspection's own number for the referral; redacted too, in case someone pastes a CPR.
ExternalReference = Annotated[
    Annotated[str, FreeText(min_length=1, max_length=100, strip_whitespace=True)], WithoutCpr
]

EXAMPLE_ID = "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"


# -- notes ------------------------------------------------------------------------------------


class CaseNoteCreate(SQLModel):
    """A note to add to the case; notes are never changed or deleted afterwards."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {"body": "Ringede igen: lederen har ikke svaret på hendes mail om APV'en."}
            ]
        },
    }

    body: NoteBody


class CaseNotePublic(ShowsRedacted):
    FREE_TEXT = ("body",)

    id: uuid.UUID
    case_id: uuid.UUID
    body: str | None = Field(description="Null once retention erased the case's free text.")
    author: str | None = Field(description="Who wrote it: role and adviser record or token.")
    author_adviser_id: uuid.UUID | None = Field(
        description="The adviser who wrote it, when an adviser did."
    )
    created_at: AwareDatetime


# -- referrals --------------------------------------------------------------------------------


class ReferralWorkplace(SQLModel):
    """The workplace a referral is about: a CVR number, or a name and an address."""

    model_config = {"extra": "forbid"}

    cvr: Cvr | None = Field(default=None, description="CVR number, 8 digits, check digit valid.")
    name: ShortText | None = None
    address: ShortText | None = None

    @property
    def named(self) -> bool:
        """Whether the inspection can find the workplace from this."""
        return self.cvr is not None or (self.name is not None and self.address is not None)


class CaseReferralCreate(SQLModel):
    """Hand the case over to the inspection (or elsewhere)."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "to": "Arbejdstilsynet",
                    "reason": "Gentagne trusler fra en beboer; ledelsen har ikke reageret.",
                    "anonymous": False,
                    "consent": True,
                    "workplace": {"cvr": "13585628"},
                }
            ]
        },
    }

    to: Recipient = Field(description="Who the case is handed to, e.g. `Arbejdstilsynet`.")
    reason: Reason
    anonymous: StrictBool = Field(
        default=False, description="The caller's identity is not passed on."
    )
    consent: StrictBool = Field(
        default=False,
        description="The caller agreed to the handover; needed unless `anonymous`.",
    )
    workplace: ReferralWorkplace | None = Field(
        default=None,
        description="A CVR number, or a name and an address; defaults to the case's workplace.",
    )


class ReferralAnswer(StrEnum):
    """What the inspection answered: the statuses a referral moves on to after `sent`."""

    acknowledged = "acknowledged"
    accepted = "accepted"
    declined = "declined"


class CaseReferralChange(SQLModel):
    """The inspection's news of a referral: its new status, and its reference if it gave one."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"status": "accepted", "external_reference": "AT-2026-014523"}]
        },
    }

    status: ReferralAnswer
    external_reference: ExternalReference | None = Field(
        default=None, description="The inspection's reference; unchanged if not sent."
    )


class CaseReferralPublic(ShowsRedacted):
    FREE_TEXT = ("to", "reason", "external_reference", "workplace.name", "workplace.address")

    id: uuid.UUID
    case_id: uuid.UUID
    to: str
    reason: str | None = Field(description="Null once retention erased the case's free text.")
    anonymous: bool
    consent: bool
    workplace: ReferralWorkplace
    status: ReferralStatus
    status_changed_at: AwareDatetime
    external_reference: str | None
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


# -- the timeline -----------------------------------------------------------------------------


class TimelineQuery(SQLModel):
    model_config = {"extra": "forbid"}

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The `next_cursor` of the previous page."
    )


class CallJournal(SQLModel):
    """A call's journal in brief."""

    offers: int = Field(description="Times the call was offered to an adviser.")
    holds: int = Field(description="Times the caller was put on hold.")
    transfers: int
    talk_s: int | None = Field(
        description="Seconds from answered to ended, less the time on hold; null until then."
    )
    hold_s: int


class CallEntry(ShowsRedacted):
    """A call that is part of the case; `at` is when it was received."""

    FREE_TEXT = ("notes",)

    kind: Literal["call"]
    at: AwareDatetime
    id: uuid.UUID
    received_at: AwareDatetime
    line: str
    direction: Direction
    status: CallStatus
    caller_type: str | None
    sector: str | None
    issue_categories: list[str]
    advice: list[str]
    adviser_id: uuid.UUID | None
    notes: str | None
    journal: CallJournal


class NoteEntry(ShowsRedacted):
    """A note on the case; `at` is when it was written."""

    FREE_TEXT = ("body",)

    kind: Literal["note"]
    at: AwareDatetime
    id: uuid.UUID
    body: str | None
    author: str | None
    author_adviser_id: uuid.UUID | None


class TaskEntry(ShowsRedacted):
    """A follow-up task of the case; `at` is when it was added."""

    FREE_TEXT = ("note",)

    kind: Literal["task"]
    at: AwareDatetime
    id: uuid.UUID
    task_kind: str = Field(description="The task's code from the `task_kind` list.")
    state: TaskState
    due_at: AwareDatetime
    assignee_adviser_id: uuid.UUID | None
    note: str | None


class ReferralEntry(SQLModel):
    """A referral of the case; `at` is when it was sent."""

    kind: Literal["referral"]
    at: AwareDatetime
    id: uuid.UUID
    to: str
    status: ReferralStatus
    external_reference: str | None


class EventEntry(SQLModel):
    """A step of the case itself: opened, a status change, a call linked, a referral sent…"""

    kind: Literal["event"]
    at: AwareDatetime
    id: uuid.UUID
    type: CaseEventType
    from_status: str | None
    to_status: str | None
    actor: str | None
    call_id: uuid.UUID | None
    task_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    other_case_id: uuid.UUID | None


class TimelineEntry(
    RootModel[
        Annotated[
            CallEntry | NoteEntry | TaskEntry | ReferralEntry | EventEntry,
            Field(discriminator="kind"),
        ]
    ]
):
    """One entry of a case's timeline; `kind` says which, and which fields it has."""
