import uuid
from typing import Annotated

from fastapi import Query, Response
from pydantic import Field, ValidationInfo, field_validator

from service import api
from service.audit import service as audit_service
from service.audit.models import AuditEventPublic
from service.auth.dependencies import ADMINS
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import NEXT_CURSOR_RESPONSE, PageQuery, send_next_cursor
from service.timeutil import UtcDatetime

router = api.router(tags=["access"], dependencies=[ADMINS])
# Found by schemathesis: a NUL byte in a filter reached PostgreSQL, which refuses it (500).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class AuditQuery(PageQuery):
    """Filters and pages of the audit trail; unknown parameters are refused."""

    adviser_id: uuid.UUID | None = None
    action: str | None = Field(default=None, max_length=40, pattern=PRINTABLE)
    object_type: str | None = Field(default=None, max_length=40, pattern=PRINTABLE)
    object_id: str | None = Field(default=None, max_length=64, pattern=PRINTABLE)
    since: UtcDatetime | None = Field(default=None, alias="from", description="Inclusive.")
    until: UtcDatetime | None = Field(default=None, alias="to", description="Exclusive.")
    before: uuid.UUID | None = Field(
        default=None,
        description="Deprecated, `cursor` replaces it: the id of the last row of the previous "
        "page.",
    )

    @field_validator("before")
    @classmethod
    def _one_way_to_page(cls, before: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        if before is not None and info.data.get("cursor") is not None:
            raise ValueError("not with `cursor`")
        return before


@router.get(
    "/audit",
    response_model=list[AuditEventPublic],
    status_code=200,
    summary="The audit trail, newest first",
    description="Read-only: no endpoint changes or deletes audit rows. Pages of `limit` "
    "(default 50, at most 500): pass the `Next-Cursor` header back as `cursor` for the next "
    "page; it is absent on the last page.",
    responses=NEXT_CURSOR_RESPONSE | problem_responses(401, 403, 422),
)
def list_audit_events(
    session: SessionDep, query: Annotated[AuditQuery, Query()], response: Response
) -> list[AuditEventPublic]:
    events, next_cursor = audit_service.list_events(
        session=session,
        adviser_id=query.adviser_id,
        action=query.action,
        object_type=query.object_type,
        object_id=query.object_id,
        since=query.since,
        until=query.until,
        before=query.before,
        limit=query.limit,
        cursor=query.cursor,
    )
    send_next_cursor(response, next_cursor)
    return [AuditEventPublic.model_validate(e, from_attributes=True) for e in events]
