"""The call listing's query, as one model so that unknown parameters are refused."""

import uuid

from pydantic import Field
from sqlmodel import SQLModel

from service.calls.models import CallStatus, Code
from service.pagination import DEFAULT_LIMIT, MAX_LIMIT
from service.timeutil import UtcDatetime


class CallQuery(SQLModel):
    # A dict literal, which mypy checks against SQLModel's own config type.
    model_config = {"extra": "forbid"}

    line: Code | None = None
    status: CallStatus | None = None
    adviser_id: uuid.UUID | None = None
    caller_type: Code | None = None
    sector: Code | None = None
    issue_category: Code | None = Field(
        default=None, description="Calls that carry this category, primary or not."
    )
    received_from: UtcDatetime | None = Field(
        default=None, description="Calls received at or after this time (inclusive)."
    )
    received_to: UtcDatetime | None = Field(
        default=None, description="Calls received before this time (exclusive)."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The `next_cursor` of the previous page."
    )
