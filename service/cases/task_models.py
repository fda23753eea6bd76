"""The API's bodies of a case's follow-up tasks, and the query of the work list `GET /tasks`."""

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, field_validator
from sqlmodel import Field, SQLModel

from service.calls.models import Phone
from service.cases.tasks import TaskState
from service.pagination import DEFAULT_LIMIT, MAX_LIMIT
from service.privacy.fields import ShowsRedacted, WithoutCpr
from service.taxonomy.codes import Code
from service.text import FreeText
from service.timeutil import CallTime, UtcDatetime

NOTE_MAX_LENGTH = 2000
TaskNote = Annotated[Annotated[str, FreeText(max_length=NOTE_MAX_LENGTH)], WithoutCpr]
ME = "me"


class CaseTaskCreate(SQLModel):
    """A follow-up promised on a case: who does what by when."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "callback",
                    "due_at": "2026-03-10T10:00:00+01:00",
                    "note": "Ring tilbage når arbejdsgiveren har svaret på APV'en.",
                    "callback_phone": "+45 22 34 56 78",
                },
                {
                    "kind": "send_material",
                    "due_at": "2026-03-09T16:00:00+01:00",
                    "assignee_adviser_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d",
                    "note": "Send vejledningen om vold og trusler.",
                },
            ]
        },
    }

    kind: Code = Field(description="A code of the `task_kind` list.")
    due_at: CallTime = Field(description="When it is due: ISO 8601 with an offset.")
    assignee_adviser_id: uuid.UUID | None = Field(
        default=None,
        description="An active adviser; defaults to the adviser whose token adds the task.",
    )
    note: TaskNote | None = None
    callback_phone: Phone | None = Field(
        default=None,
        description="Only for a `callback`: the Danish number to ring, stored as +45XXXXXXXX. "
        "With it the task becomes an outbound call, queued for the line's next opening at or "
        "after `due_at`.",
    )


class CaseTaskUpdate(SQLModel):
    """A partial change of a task; only the fields sent change."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {"state": "done"},
                {"due_at": "2026-03-12T09:00:00+01:00", "note": "Arbejdsgiveren har bedt om tid."},
            ]
        },
    }

    state: TaskState | None = Field(
        default=None, description="`done` or `cancelled`: a done or cancelled task is final."
    )
    assignee_adviser_id: uuid.UUID | None = Field(
        default=None, description="An active adviser; null leaves the task unassigned."
    )
    due_at: CallTime | None = None
    note: TaskNote | None = None


# SQLModel named too: the linter then knows `model_config` is pydantic's, not a mutable default.
class CaseTaskPublic(ShowsRedacted, SQLModel):
    """A follow-up task as the API shows it."""

    FREE_TEXT = ("note",)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "0190c3c2-9a1b-7c2d-8e3f-4a5b6c7d8e9f",
                    "case_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d",
                    "case_reference": "2026-00042",
                    "kind": "callback",
                    "state": "open",
                    "due_at": "2026-03-10T09:00:00Z",
                    "overdue": False,
                    "assignee_adviser_id": "0190c3c2-1111-7a4b-9c1d-2e3f4a5b6c7d",
                    "note": "Ring tilbage når arbejdsgiveren har svaret på APV'en.",
                    "callback_phone": "+4522345678",
                    "call_id": "0190c3c2-2222-7a4b-9c1d-2e3f4a5b6c7d",
                    "done_at": None,
                    "version": 1,
                    "created_at": "2026-03-03T13:12:00Z",
                    "updated_at": "2026-03-03T13:12:00Z",
                    "redacted": [],
                }
            ]
        }
    }

    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    kind: str
    state: TaskState
    due_at: AwareDatetime
    overdue: bool = Field(description="Still open after its due time.")
    assignee_adviser_id: uuid.UUID | None
    note: str | None
    callback_phone: str | None
    call_id: uuid.UUID | None = Field(description="The outbound call a callback task rings.")
    done_at: AwareDatetime | None
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class TaskQuery(SQLModel):
    """The query of the work list `GET /tasks`."""

    model_config = {"extra": "forbid"}

    assignee: str | None = Field(
        default=None,
        max_length=36,
        description="`me`, or an adviser's id. An adviser's list is their own (`me`, the "
        "default for them); supervisors and admins see everyone's unless they name one.",
    )
    overdue: bool | None = Field(
        default=None,
        description="`true`: open tasks past their due time; `false`: all others.",
    )
    due_before: UtcDatetime | None = Field(
        default=None, description="Tasks due before this time (exclusive)."
    )
    state: TaskState = TaskState.open
    case_id: uuid.UUID | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The `next_cursor` of the previous page."
    )

    @field_validator("assignee")
    @classmethod
    def _me_or_an_id(cls, value: str | None) -> str | None:
        if value is None or value == ME:
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("`me` or an adviser's id") from None

    def assignee_id(self) -> uuid.UUID | Literal["me"] | None:
        """The adviser named by `assignee`, `me`, or None for no filter."""
        if self.assignee is None:
            return None
        return "me" if self.assignee == ME else uuid.UUID(self.assignee)
