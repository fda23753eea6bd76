"""The query of `GET /cases`."""

import uuid
from typing import Annotated

from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from service.cases.states import CaseStatus
from service.pagination import DEFAULT_LIMIT, MAX_LIMIT
from service.taxonomy.codes import Code
from service.timeutil import UtcDatetime


class CaseQuery(SQLModel):
    model_config = {"extra": "forbid"}

    status: CaseStatus | None = None
    line: Code | None = None
    owner_adviser_id: uuid.UUID | None = None
    follow_up_before: UtcDatetime | None = Field(
        default=None, description="Cases whose next follow-up is due before this time."
    )
    overdue: bool | None = Field(
        default=None,
        description="`true`: open or waiting cases whose next follow-up is past due; "
        "`false`: all others.",
    )
    cvr: Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")] | None = Field(
        default=None, description="Cases about the workplace with this CVR number."
    )
    created_from: UtcDatetime | None = Field(
        default=None, description="Cases opened at or after this time (inclusive)."
    )
    created_to: UtcDatetime | None = Field(
        default=None, description="Cases opened before this time (exclusive)."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The `next_cursor` of the previous page."
    )
