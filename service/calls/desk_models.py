"""What desk clients send and get for the desk's actions and its board."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field as PydanticField
from sqlmodel import SQLModel

from service.calls.case_link import CaseAtClose, CaseOpening
from service.calls.journal import Reason
from service.calls.models import CallClose, CallPublic, Code
from service.calls.related import CallWithContacts
from service.privacy.fields import WithoutCpr
from service.text import FreeText

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
    join_case_id: uuid.UUID | None = PydanticField(
        default=None, description="Make the call part of this open case, one you may change."
    )
    open_case: CaseOpening | None = PydanticField(
        default=None,
        description="Open a case for the call, owned by the adviser closing it (not with "
        "`join_case_id`).",
    )

    @property
    def case_request(self) -> CaseAtClose | None:
        """What the close asks of a case, if anything."""
        if self.join_case_id is None and self.open_case is None:
            return None
        return CaseAtClose(join_case_id=self.join_case_id, open_case=self.open_case)


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
    current: list[CallWithContacts] = PydanticField(
        description="The calls in hand, the one offered now included, each with its repeat contact."
    )
    recent: list[CallPublic]


# Changes of a line's routing rule, its overflow included, are on record (`service.audit`).
